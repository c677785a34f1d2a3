"""The book's own tooling: what builds, checks and publishes the book, not what a learner's notebook imports."""
