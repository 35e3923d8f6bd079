"""The incremental machinery of a build, behind one seam.

``build.py`` reads load → model → plan → render → write; what makes a build fast without
making it wrong lives here, in four modules that import neither the renderer nor the writer:

* ``store``: the source store (``BuildState``): each source's parsed and rendered result by
  stamp and content hash, in ``.newsreel-cache/``; the last-build marker.
* ``snapshot``: what a full build made (posts' shapes and links, terms, which pages hold or
  read each post), and ``StoredSite``, the site restored from it for a patch.
* ``keys``: the one place where page keys are made: whole digests of each page's context and
  the posts it read while rendering.
* ``plan``: whether a build can be patched, and which pages a patch plans.
* ``lock``: one build of a site folder at a time.
"""
