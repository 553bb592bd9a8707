"""Multi-operand contraction validation suite (issue #14); see README.md in this folder."""
