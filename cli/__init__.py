"""The command line: the same functions the GUI calls, in a terminal."""
