"""The ticket bus: tickets, the scanner, the filter, acknowledgements, the watcher, stale rules."""
