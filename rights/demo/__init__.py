"""The demo: a synthetic county, its seven systems, and the seeded staff and requests of ``rights demo``.

Owns: the generator (:mod:`.world`: families, their records in seven services, ground truth), the
``demo`` connector over it (:mod:`.connector`, which the source registry builds for ``type = "demo"``),
demo requests with their ground truth (:mod:`.requests`) and seeding the demo database (:mod:`.seed`).

Kept out of :mod:`rights.sources` so the production connectors sit alone there and ``sources`` never
imports intake. Imports: names, identifiers, the connectors' value types, models, intake, users.
"""

from rights.demo.seed import seed

__all__ = ["seed"]
