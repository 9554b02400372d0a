"""Station identity (keys) and packages moved between stations on USB sticks."""
