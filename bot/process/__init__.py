"""The co-creation process, one module per stage: proposing, the agenda, the small tables (with
the planner beside them), bilateral meetings, and outcomes, reports and decisions. Each module
offers the handlers of its words; `bot.app.grammar` maps the words to them."""
