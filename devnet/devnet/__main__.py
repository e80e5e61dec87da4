"""python -m devnet: start the devnet (normally through devnet/run, which installs the venv)."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="devnet/run", description=(
        "Local EVM devnet: revm (pyrevm) behind JSON-RPC on 127.0.0.1. "
        "Stops cleanly (exit 0) on SIGTERM/SIGINT."))
    p.add_argument("--port", type=int, default=8545, help="TCP port; 0 picks a free one (default 8545)")
    p.add_argument("--port-file", help="write the chosen port to this file once listening")
    p.add_argument("--chain-id", type=int, default=31337, help="chain id (default 31337)")
    p.add_argument("--block-time", type=float, default=None,
                   help="mine a block every SECONDS (default: automine, one block per transaction)")
    p.add_argument("--gas-limit", type=int, default=30_000_000, help="block gas limit (default 30M)")
    p.add_argument("--scenario", help="scenario to set up before serving (devnet.scenarios)")
    p.add_argument("--scenario-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="option passed to the scenario (repeatable; values parsed as JSON when possible)")
    p.add_argument("--manifest", help="write the scenario's JSON manifest here")
    p.add_argument("--abi-dir", help="write the contracts' ABIs (one NAME.json each) to this directory "
                   "(default with a scenario: devnet/build/abi)")
    p.add_argument("--quiet", action="store_true", help="print only the listening line")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started it is gone (tests: a crashed test "
                        "run leaves no devnet behind)")
    return p.parse_args(argv)


def _opts(pairs):
    out = {}
    for kv in pairs:
        k, _, v = kv.partition("=")
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def main(argv=None) -> int:
    parent = os.getppid()  # first thing: --exit-with-parent compares against the starter
    args = parse_args(argv)
    from .chain import Chain
    from .rpc import Server

    stop = threading.Event()
    serving = threading.Event()

    def on_signal(signum, frame):
        stop.set()
        if not serving.is_set():   # still setting up: stop right away, cleanly
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    chain = Chain(chain_id=args.chain_id, gas_limit=args.gas_limit)
    server = Server(chain, "127.0.0.1", args.port, block_time=args.block_time)
    manifest = None
    if args.abi_dir and not args.scenario:
        from devnet.contracts import write_abis
        write_abis(args.abi_dir)
    if args.scenario:
        try:
            scenarios = importlib.import_module("devnet.scenarios")
        except ModuleNotFoundError as e:
            if e.name not in ("devnet.scenarios",):
                raise
            print("devnet: no scenarios module is installed (devnet/devnet/scenarios)", file=sys.stderr)
            return 2
        opts = _opts(args.scenario_opt)
        if args.abi_dir:
            opts.setdefault("abi_dir", args.abi_dir)
        with chain.lock:
            manifest = scenarios.load(args.scenario)(chain, **opts)
        if hasattr(scenarios, "attach"):
            scenarios.attach(server, chain, manifest)
    try:
        sub = importlib.import_module("devnet.subgraph")
    except ModuleNotFoundError as e:
        if e.name != "devnet.subgraph":
            raise
        sub = None
    if sub is not None and hasattr(sub, "attach"):
        with chain.lock:
            sub.attach(server, chain, manifest)
    if args.manifest and manifest is not None:
        tmp = args.manifest + ".tmp"
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
        os.replace(tmp, args.manifest)
    serving.set()
    server.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.port))
        os.replace(tmp, args.port_file)
    print(f"devnet listening on {server.url} chain_id={args.chain_id} "
          f"{'block_time=' + str(args.block_time) + 's' if args.block_time else 'automine'}", flush=True)
    while not stop.wait(1.0):
        if args.exit_with_parent and os.getppid() != parent:
            break  # re-parented: whoever started us is gone

    server.stop()
    if not args.quiet:
        print("devnet stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
