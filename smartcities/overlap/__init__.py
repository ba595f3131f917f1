"""The overlap check: a framework-free engine, its index, and the flags stored on projects."""
