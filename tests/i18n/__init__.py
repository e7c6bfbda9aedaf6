"""Tests of bot/i18n: the catalogues in bokmål, nynorsk and English, and how dates read."""
