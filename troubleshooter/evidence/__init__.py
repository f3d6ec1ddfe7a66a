"""Evidence: the run folder, its report, and what goes into it."""
