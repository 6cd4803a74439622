"""Domain rules: pure functions and dataclasses over plain values and a clock."""
