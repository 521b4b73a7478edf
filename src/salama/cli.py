"""The `salama` command: a thin face over the core. Errors become a message and exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from salama.errors import SalamaError

app = typer.Typer(
    name="salama",
    help="Salama: youth-safety checks for text (Darija first, then Arabic, French, English).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_TEXTS = (
    "Bravo 3lik a khouya, video zwina bzaf!",
    "nta wa7ed mkl5 o 7mar, sir t9awd",
    "والله ما عندك حتى قيمة يا الزامل",
    "شحال فعمرك؟ صيفطي لي تصويرة فالواتساب وما تقولي لحتى واحد",
    "je vais te retrouver et te tuer",
    "Merci pour la vidéo, trop cool",
    "I don't want to live anymore, I want to end it all",
    "Great game last night!",
)


def _fail(exc: SalamaError) -> None:
    typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
    raise typer.Exit(code=2)


def _emit(result: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    typer.echo(json.dumps(result, ensure_ascii=False) if as_json else human(result))


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="The text to check ('-' reads standard input).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Verdict as JSON.")] = False,
) -> None:
    """Check one text and explain the verdict."""
    from salama.detect.detector import Detector
    from salama.detect.report import format_verdict

    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    try:
        verdict = Detector().check(text)
    except SalamaError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        typer.echo(format_verdict(text, verdict))


@app.command()
def demo() -> None:
    """Check a few sample texts in Darija, Arabizi, Arabic, French and English."""
    from salama.detect.detector import Detector
    from salama.detect.report import format_verdict

    detector = Detector()
    for text in DEMO_TEXTS:
        typer.echo(format_verdict(text, detector.check(text)))
        typer.echo("")
    typer.echo(
        "Try your own: .venv/bin/salama check 'your text'   (add --json for the full verdict)"
    )


@app.command()
def train(
    data: Annotated[
        Path | None, typer.Option(help="Data folder (default: $SALAMA_DATA_DIR or ../shared/data).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the package).")
    ] = None,
    write_splits: Annotated[
        Path | None,
        typer.Option(help="Also write the validation and test splits here, one file per source."),
    ] = None,
) -> None:
    """Train the classifier on the labeled data and write the versioned model file."""
    from salama.detect.train import train_model

    try:
        manifest = train_model(data_dir=data, out_dir=out, splits_dir=write_splits, log=typer.echo)
    except SalamaError as exc:
        _fail(exc)
        return
    typer.echo(f"wrote {manifest}")


@app.command("eval")
def eval_(
    files: Annotated[list[Path], typer.Argument(help="JSON-lines files to score.")],
    task: Annotated[
        str, typer.Option(help="abusive | hate | threat | profanity | self_harm | grooming")
    ] = "abusive",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the detector on labeled files: precision, recall, macro-F1, ROC AUC, speed."""
    from salama.detect.detector import Detector
    from salama.detect.evaluate import evaluate_files, format_reports

    try:
        result = evaluate_files(Detector(), files, task)
    except SalamaError as exc:
        _fail(exc)
        return
    _emit(result, as_json, format_reports)


@app.command()
def bench(
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="JSON-lines files of real comments (default: every file of ../shared/data)."
        ),
    ] = None,
    n_texts: Annotated[int, typer.Option(help="Texts in the mixed corpus.")] = 10_000,
    compare: Annotated[
        bool, typer.Option(help="Also measure the TF-IDF and alt-profanity-check baselines.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Measure speed and memory on one core: batch texts/s, single-check p50/p99, load, peak MB."""
    from salama.bench import format_bench, run_bench

    try:
        result = run_bench(
            corpus, n_texts=n_texts, compare=compare, log=lambda m: typer.echo(m, err=True)
        )
    except SalamaError as exc:
        _fail(exc)
        return
    _emit(result, as_json, format_bench)


tenant_app = typer.Typer(
    help="Tenants (one per host app) and their API keys.", no_args_is_help=True
)
key_app = typer.Typer(help="API keys of a tenant.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")


def _settings() -> Any:
    from pydantic import ValidationError

    from salama.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SALAMA_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"error [invalid_settings]: {problems}", err=True)
        raise typer.Exit(code=2) from None


def _store() -> Any:
    from salama.store import Store

    try:
        return Store.open(_settings().database_url)
    except SalamaError as exc:
        _fail(exc)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default SALAMA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SALAMA_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Server processes (default SALAMA_WORKERS).")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs). Creates and migrates the database first."""
    import os

    import uvicorn

    from salama.api.workers import balanced_workers_supported, run_workers
    from salama.store import migrate

    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers)):
        if value is not None:
            os.environ[f"SALAMA_{name}"] = str(value)
    settings = _settings()
    try:
        migrate(settings.database_url)
    except Exception as exc:  # the driver's own error: say what and where, no trace
        typer.echo(f"error [storage_unavailable]: cannot open the database: {exc}", err=True)
        raise typer.Exit(code=2) from None
    address = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Salama {address}  (API docs: {address}/docs; database: {_safe_url(settings)})")
    typer.echo("Get an API key: .venv/bin/salama tenant create my-app")
    if settings.workers > 1 and balanced_workers_supported():
        # One socket, connections spread evenly: see salama.api.workers for why.
        code = run_workers(
            settings.host,
            settings.port,
            settings.workers,
            settings.log_level,
            log=lambda line: typer.echo(line, err=True),
        )
        if code:
            raise typer.Exit(code=code)
        return
    uvicorn.run(
        "salama.api.server:app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )


def _safe_url(settings: Any) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(settings.database_url).render_as_string(hide_password=True))


@app.command()
def migrate() -> None:
    """Create or upgrade the database (SALAMA_DATABASE_URL) to the newest schema."""
    store = _store()
    store.close()
    typer.echo(f"database up to date: {_safe_url(_settings())}")


@app.command()
def purge() -> None:
    """Delete kept decisions and shadow results past their retention (run it daily)."""
    store = _store()
    try:
        decisions = store.decisions.purge_expired()
        shadows = store.shadows.purge_expired()
    except SalamaError as exc:
        _fail(exc)
        return
    finally:
        store.close()
    typer.echo(f"purged {decisions} decision(s) and {shadows} shadow result(s)")


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="The host app's name (for you to recognise it).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create a tenant with an app key and an admin key (each shown only this once)."""
    store = _store()
    try:
        tenant = store.tenants.create_tenant(name)
        _, app_key = store.tenants.create_api_key(tenant.id, "app")
        _, admin_key = store.tenants.create_api_key(tenant.id, "admin")
        store.audit.append(tenant.id, actor="cli", action="tenant.create", target=tenant.id)
    except SalamaError as exc:
        _fail(exc)
        return
    finally:
        store.close()
    result = {"tenant_id": tenant.id, "api_key": app_key, "admin_key": admin_key}
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"tenant   {tenant.id}  ({name})")
    typer.echo(f"app key  {app_key}")
    typer.echo(f"admin key {admin_key}")
    typer.echo("Keep both now: only their hashes are stored.")


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants (id and name)."""
    store = _store()
    try:
        for tenant in store.tenants.list_tenants():
            typer.echo(f"{tenant.id}  {tenant.name}")
    finally:
        store.close()


@key_app.command("create")
def key_create(
    tenant_id: Annotated[str, typer.Argument(help="The tenant's id.")],
    role: Annotated[str, typer.Option(help="app or admin.")] = "app",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create another key for a tenant (shown only this once)."""
    store = _store()
    try:
        record, secret = store.tenants.create_api_key(tenant_id, role)
        store.audit.append(
            tenant_id,
            actor="cli",
            action="key.create",
            target=f"key:{record.id}",
            details={"role": role, "prefix": record.prefix},
        )
    except SalamaError as exc:
        _fail(exc)
        return
    finally:
        store.close()
    result = {"key_id": record.id, "role": record.role, "api_key": secret}
    typer.echo(json.dumps(result) if as_json else f"{record.role} key {secret}  (id {record.id})")


@key_app.command("revoke")
def key_revoke(
    tenant_id: Annotated[str, typer.Argument(help="The tenant's id.")],
    key_id: Annotated[str, typer.Argument(help="The key's id.")],
) -> None:
    """Revoke a key (idempotent). Running servers stop accepting it within
    SALAMA_AUTH_CACHE_SECONDS."""
    store = _store()
    try:
        record = store.tenants.revoke_key(tenant_id, key_id)
        store.audit.append(tenant_id, actor="cli", action="key.revoke", target=f"key:{key_id}")
    except SalamaError as exc:
        _fail(exc)
        return
    finally:
        store.close()
    typer.echo(f"revoked {record.id} at {record.revoked_at}")


family_app = typer.Typer(help="Family pairing: jobs.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhooks to host apps.", no_args_is_help=True)
app.add_typer(family_app, name="family")
app.add_typer(webhooks_app, name="webhooks")


@family_app.command("age-out")
def family_age_out() -> None:
    """End every pairing whose teen is 18 today in their own time zone (run it daily; family
    requests also check the teen they touch)."""
    from salama.service.family import FamilyService

    store = _store()
    try:
        ended = FamilyService(store).age_out_all()
    except SalamaError as exc:
        _fail(exc)
        return
    finally:
        store.close()
    typer.echo(f"ended {ended} pairing(s) at 18")


@webhooks_app.command("deliver")
def webhooks_deliver(
    forever: Annotated[
        bool, typer.Option("--forever", help="Keep delivering (every --interval seconds).")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 2.0,
) -> None:
    """Send the queued webhook events that are due (once, or --forever), with retries."""
    import time

    from salama.service.webhooks import WebhookDeliverer

    store = _store()
    deliverer = WebhookDeliverer(store, allow_private=_settings().webhook_allow_private)
    try:
        while True:
            report = deliverer.deliver_due()
            if not forever:
                typer.echo(f"delivered {report.delivered}, failed {report.failed}")
                return
            time.sleep(max(0.1, interval))
    except SalamaError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
