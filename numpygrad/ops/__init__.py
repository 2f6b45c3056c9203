"""The differentiable operations, one node class per op with its function beside it."""
