"""Experience surveys (kokemuskysely): validated instruments, anonymous answers, group-level results only."""
