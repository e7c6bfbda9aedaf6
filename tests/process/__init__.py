"""Tests of bot/process, a stage at a time: drafting, the plan, the small tables and their
planner."""
