"""Documents people open outside the chat: the action plan and the self-assessment report as
Word documents (`word.py`, python-docx), drawn from the record's outlines."""
