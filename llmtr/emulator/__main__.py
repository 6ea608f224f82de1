"""python -m llmtr.emulator --port 8090 [--host 127.0.0.1] [--latency S] [--url-ttl S]"""

from __future__ import annotations

import argparse

from llmtr.emulator import Emulator, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m llmtr.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per image call")
    parser.add_argument("--url-ttl", type=float, default=300.0, help="lifetime of url results")
    args = parser.parse_args(argv)
    server = serve(Emulator(latency=args.latency, url_ttl=args.url_ttl), args.host, args.port)
    print(f"LLMTR emulator on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
