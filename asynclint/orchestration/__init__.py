"""Running many files: discovery, configuration, workers, caches, fixes and report formats."""
