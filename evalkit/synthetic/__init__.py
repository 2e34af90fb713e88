"""Synthetic control methods: synthetic control and synthetic difference-in-differences."""
