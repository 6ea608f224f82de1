"""docker-compose.yml, checked without a Docker engine: valid against the compose
specification's JSON schema (check-jsonschema's vendored copy), every app service
running an entry of the one Procfile, nginx configured from the one template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from honcho.environ import parse_procfile
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"setup": "setup", "web": "gunicorn", "worker": "worker", "beat": "beat",
                "emulator": "emulator"}  # fmt: skip


def validate(path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
               "vendor.compose-spec", str(path)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def compose() -> dict:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = validate(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_a_broken_compose_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace(
        "    stop_grace_period: 60s", "    stop_grace_period: 60s\n    restart_policy: sometimes"
    ))  # fmt: skip
    result = validate(broken)
    assert result.returncode != 0
    assert "restart_policy" in result.stdout + result.stderr


def test_every_app_service_runs_its_procfile_entry():
    entries = parse_procfile((ROOT / "Procfile").read_text()).processes
    services = compose()["services"]
    for service, entry in APP_SERVICES.items():
        assert services[service]["command"] == ["python", "scripts/procfile.py", entry], service
        assert entry in entries
    # Nothing else in the file starts the studio another way.
    for name, service in services.items():
        if name in APP_SERVICES:
            continue
        command = str(service.get("command", ""))
        for program in ("gunicorn", "celery", "manage.py", "llmtr.emulator"):
            assert program not in command, f"{name} runs {program} directly"


def test_nginx_is_configured_from_the_one_template():
    proxy = compose()["services"]["proxy"]
    mounts = [v.split(":")[:2] for v in proxy["volumes"]]
    assert ["./deploy/nginx.conf.template", "/etc/nginx/templates/default.conf.template"] in mounts
    template = (ROOT / "deploy/nginx.conf.template").read_text()
    for variable in proxy["environment"]:
        assert "${" + variable + "}" in template
