"""Files ``newsreel init`` copies into a new blog (``dot-x`` is written as ``.x``)."""
