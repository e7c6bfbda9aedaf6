"""Every sentence a person reads, in each language, and dates and times as each language writes
them."""
