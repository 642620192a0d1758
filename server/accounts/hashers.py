"""Password hashing: argon2id with OWASP's recommended minimum parameters (m = 19 MiB, t = 2, p = 1).

Django's default argon2 parameters (m = 100 MiB, t = 2, p = 8) cost about 0.26 s of CPU per check on
this project's 2-core reference machine; 64 tablets signing in at once (issue 13) then need some 17
s of CPU for the password checks alone. These parameters cost about 0.04 s and are still OWASP's
recommendation for argon2id (Password Storage Cheat Sheet: "m=19456 (19 MiB), t=2, p=1"). Hashes
made with other parameters still verify and are re-hashed with these on the next sign-in (Django's
must_update), because the algorithm name stays "argon2".
"""
from django.contrib.auth.hashers import Argon2PasswordHasher


class FieldArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
