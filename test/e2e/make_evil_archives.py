"""Writes malicious app archives for the upload tests: each tries to write outside the app
directory in its own way."""
import io
import os
import stat
import sys
import tarfile
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

with zipfile.ZipFile(os.path.join(out, "dotdot.zip"), "w") as z:
    z.writestr("index.html", "ok")
    z.writestr("../../../../tmp/microcf-evil-escaped", "escaped")

with zipfile.ZipFile(os.path.join(out, "absolute.zip"), "w") as z:
    z.writestr("index.html", "ok")
    info = zipfile.ZipInfo("/tmp/microcf-evil-escaped")
    z.writestr(info, "escaped")

with zipfile.ZipFile(os.path.join(out, "symlink.zip"), "w") as z:
    info = zipfile.ZipInfo("escaped-link")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, "/etc/passwd")
    z.writestr("index.html", "ok")

with tarfile.open(os.path.join(out, "device.tar"), "w") as t:
    info = tarfile.TarInfo("escaped-device")
    info.type = tarfile.CHRTYPE
    info.devmajor, info.devminor = 1, 3
    t.addfile(info)
    data = b"ok"
    f = tarfile.TarInfo("index.html")
    f.size = len(data)
    t.addfile(f, io.BytesIO(data))
