"""The public record as data: which proposals the public sees and how, and the export (the
action-plan draft and the record of inputs). Adapters draw it; nothing here writes HTML."""
