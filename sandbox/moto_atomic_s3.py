"""moto_server, with S3 conditional writes made atomic as S3 makes them.

Real S3 checks If-None-Match / If-Match and writes the object in one step. moto 5.2.1 checks the
condition, then writes, in two steps of a threaded server: two concurrent `If-None-Match: *`
writers can both succeed (seen in 10 of 200 races of 10 writers with a short GIL switch
interval, and once in Vigil's concurrency test under load). Vigil's idempotency claim relies on
S3's atomicity, so the local server serialises object writes and deletes to test Vigil, not moto.

Usage: python3 moto_atomic_s3.py [moto_server arguments]
VIGIL_MOTO_SWITCH_INTERVAL (seconds) shortens the GIL switch interval, which makes races likely:
only the test that proves this file is needed sets it.
"""

import os
import sys
import threading

from moto.s3.responses import S3Response

_object_writes = threading.Lock()
_unlocked_key_response = S3Response._key_response


def _key_response(self, request, full_url):
    if request.method in ("PUT", "POST", "DELETE"):
        with _object_writes:
            return _unlocked_key_response(self, request, full_url)
    return _unlocked_key_response(self, request, full_url)


if os.environ.get("VIGIL_MOTO_UNPATCHED") != "1":
    S3Response._key_response = _key_response

if "VIGIL_MOTO_SWITCH_INTERVAL" in os.environ:
    sys.setswitchinterval(float(os.environ["VIGIL_MOTO_SWITCH_INTERVAL"]))

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
