"""newsreel: a static site generator for movie-news blogs."""

__version__ = "0.1.0"
