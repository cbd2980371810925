"""``--profile`` selects a profile the way ``AWS_PROFILE`` does: credentials and region."""

from __future__ import annotations

from pathlib import Path

from amazon_transcribe.emulator import TranscribeEmulator

from .support import ASSETS, EXIT, one_line_error, run_cli


def profile_files(tmp_path: Path, emulator: TranscribeEmulator, secret: str) -> dict:
    config = tmp_path / "config"
    config.write_text(f"[profile work]\nregion = {emulator.region}\n", encoding="utf-8")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[work]\n"
        f"aws_access_key_id = {emulator.credentials.access_key_id}\n"
        f"aws_secret_access_key = {secret}\n",
        encoding="utf-8",
    )
    # The emulator's endpoint and CA only: no region, no keys in the environment.
    env = {k: v for k, v in emulator.environment().items()
           if k in ("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_CA_BUNDLE")}
    env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    return env


async def test_profile_gives_region_and_credentials(
        tmp_path: Path, transcribe_emulator: TranscribeEmulator) -> None:
    env = profile_files(tmp_path, transcribe_emulator,
                        transcribe_emulator.credentials.secret_access_key)
    run = await run_cli("--fast", "--profile", "work", str(ASSETS / "sense-0880.wav"), env=env)
    assert run.status == EXIT["ok"], run.stderr
    assert run.stdout.strip()
    records = await transcribe_emulator.records.wait_count(1, timeout=10)
    assert records[0].end_reason == "completed"
    assert records[0].signatures_failed == 0


async def test_without_the_profile_there_is_no_region(
        tmp_path: Path, transcribe_emulator: TranscribeEmulator) -> None:
    env = profile_files(tmp_path, transcribe_emulator,
                        transcribe_emulator.credentials.secret_access_key)
    run = await run_cli("--fast", str(ASSETS / "sense-0880.wav"), env=env)
    assert run.status == EXIT["usage"]
    assert "no region" in one_line_error(run)


async def test_the_profiles_secret_is_the_one_used(
        tmp_path: Path, transcribe_emulator: TranscribeEmulator) -> None:
    env = profile_files(tmp_path, transcribe_emulator, "not-the-emulators-secret")
    run = await run_cli("--fast", "--profile", "work", str(ASSETS / "sense-0880.wav"), env=env)
    assert run.status == EXIT["credentials"]
