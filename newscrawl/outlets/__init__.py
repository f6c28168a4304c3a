"""The outlets this project crawls: spider name -> the package that defines its ``OUTLET``.

Adding an outlet is one package here and one line below (see docs/adding-an-outlet.md).
"""

REGISTRY = {
    "almayadeen": "newscrawl.outlets.almayadeen",
}
