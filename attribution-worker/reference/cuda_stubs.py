"""Builds no-op stand-ins for the CUDA libraries that PyPI's (CUDA-built) torch links against, so that torch
imports and runs on CPU without ~2.7 GB of nvidia-* wheels. Every stub function returns an error code (100 =
cudaErrorNoDevice), so torch.cuda.is_available() is False; CPU kernels (libtorch_cpu, MKL, oneDNN) are the
real ones. Usage: python cuda_stubs.py SITE_PACKAGES/torch/lib"""
import pathlib
import re
import subprocess
import sys
import tempfile

lib_dir = pathlib.Path(sys.argv[1])
CUDA = re.compile(r"^lib(cu|nccl|nv)[A-Za-z]*\.so\.\d+$")
# Loaded lazily (NVRTC JIT, CUDA linear algebra), never at import: skip, so their libraries need no stubs.
LAZY = {"libcaffe2_nvrtc.so", "libtorch_cuda_linalg.so"}


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], check=True, capture_output=True, text=True).stdout


needed, symbols = set(), {}
for so in sorted(lib_dir.glob("*.so*")):
    if so.name in LAZY:
        continue
    needed |= {n for n in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf("-d", str(so))) if CUDA.match(n)}
    for line in readelf("--dyn-syms", str(so)).splitlines():
        f = line.split()
        if len(f) >= 8 and f[6] == "UND":
            name, _, ver = f[7].partition("@")
            ver = ver.split(" ")[0]
            if CUDA.match(ver):
                symbols.setdefault(ver, set()).add(name)
            elif not ver and name.startswith("nccl"):
                symbols.setdefault("libnccl.so.2", set()).add(name)
needed -= {p.name for p in lib_dir.iterdir()}
with tempfile.TemporaryDirectory() as tmp:
    for lib in sorted(needed):
        syms = sorted(symbols.get(lib, ()))
        src = pathlib.Path(tmp, lib + ".c")
        body = ['static const char msg[] = "CUDA is not available (CPU-only torch: stub library)";']
        for s in syms:
            if re.search(r"Get(Error|Status)(String|Name)$", s):
                body.append(f"const char *{s}(void) {{ return msg; }}")
            else:
                body.append(f"int {s}(void) {{ return 100; }}")
        src.write_text("\n".join(body) + "\n")
        cmd = ["cc", "-shared", "-fPIC", "-O0", "-o", str(lib_dir / lib), f"-Wl,-soname,{lib}", str(src)]
        if lib != "libnccl.so.2":  # the others' symbols are versioned by library name
            vs = pathlib.Path(tmp, lib + ".map")
            vs.write_text(f"{lib} {{ global: {' '.join(s + ';' for s in syms) or '*;'} local: *; }};\n")
            cmd.append(f"-Wl,--version-script={vs}")
        subprocess.run(cmd, check=True)
        print(f"{lib}: {len(syms)} stub functions", file=sys.stderr)
