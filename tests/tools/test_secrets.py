"""Secrets in any shape are masked before anything leaves the thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.secrets import MASK, redact, redact_data

PLANTED = [
    "hf_abcdefghijklmnopqrstuvwxyz123456",
    "sk-ant-api03-abcdefghijklmnop_qrstuvwx",
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "sk-abcdefghijklmnopqrstuvwx",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "github_pat_11ABCDEFG0abcdefghijklmnopqrstu",
    "xoxb-1234567890-abcdefghijklmnop",
    "AKIAIOSFODNN7EXAMPLE",
]


@pytest.mark.parametrize("secret", PLANTED)
def test_known_token_shapes_are_masked(secret: str) -> None:
    text = f"the key is {secret}, keep it safe"
    assert secret not in redact(text, env={})
    assert MASK in redact(text, env={})


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer "),
        ("export WANDB_API_KEY=0123456789abcdef", "export WANDB_API_KEY="),
        ('{"db_password": "hunter22hunter"}', '{"db_password": "'),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key = "),
    ],
)
def test_bearer_and_secret_looking_pairs_keep_the_name_and_lose_the_value(
    text: str, kept: str
) -> None:
    redacted = redact(text, env={})
    assert redacted.startswith(kept)
    assert MASK in redacted
    assert text.split(kept, 1)[1].strip('"} ') not in redacted


def test_values_of_secret_env_vars_in_use_are_masked_whatever_their_shape() -> None:
    env = {
        "HF_TOKEN": "plain-looking-value-123",
        "MY_SERVICE_TOKEN": "another-secret-xyz",
        "HOME": "/root",
    }
    redacted = redact("a plain-looking-value-123 and another-secret-xyz in /root", env=env)
    assert "plain-looking-value-123" not in redacted and "another-secret-xyz" not in redacted
    assert "/root" in redacted  # only secret variables count


def test_ordinary_text_is_untouched() -> None:
    text = "Fine-tuned bert-base-uncased on imdb: accuracy 0.93, loss 0.21. See task-sk-1 notes."
    assert redact(text, env={}) == text


def test_nested_data_is_redacted_everywhere() -> None:
    data = {"messages": [{"content": "token hf_abcdefghijklmnopqrstuvwxyz123456"}], "n": 3}
    out = redact_data(data, env={})
    assert "hf_abc" not in str(out) and out["n"] == 3


# --- known values in every form; names; keyword-in-context; private keys -----------------------

SECRET = "Zq8vN2pLx0Rk5TfW7mYc3HbJ9gDs4AeU"  # 32 characters, as a service key would be
ENV = {"SERVICE_API_KEY": SECRET}


@pytest.mark.parametrize(
    "shown",
    [
        SECRET,
        __import__("base64").b64encode(SECRET.encode()).decode(),
        __import__("base64").b64encode(b"user:" + SECRET.encode()).decode(),  # Basic auth
        __import__("base64").urlsafe_b64encode(b"xy" + SECRET.encode()).decode(),
        SECRET.encode().hex(),
        f"{SECRET[:14]}\n{SECRET[14:]}",  # split across two lines
        "\n".join(SECRET[i : i + 10] for i in range(0, 32, 10)),  # fold -w 10
        f'"{SECRET[:20]}\\\n{SECRET[20:]}"',  # an escaped newline in a string
        SECRET[3:17],  # 14 characters cut out of the middle
    ],
)
def test_a_known_value_is_masked_in_every_form(shown: str) -> None:
    from tests.tools.test_planted_secrets import runs
    from tools.secrets import mask_secrets

    masked = mask_secrets(f"output: {shown} end", ENV)
    assert "[REDACTED:SERVICE_API_KEY]" in masked
    assert not [run for run in runs(SECRET) if run in masked.replace("\n", "")]
    assert masked.startswith("output: ") and masked.endswith(" end")


def test_a_long_text_masks_a_wrapped_value_and_leaves_the_rest() -> None:
    from tools.secrets import mask_secrets

    log = "step 1 loss 0.5\n" * 2000
    text = log + f"key={SECRET[:16]}\n{SECRET[16:]}\n" + log
    masked = mask_secrets(text, ENV)
    assert masked == log + "key=[REDACTED:SERVICE_API_KEY]\n" + log


@pytest.mark.parametrize(
    "folded",
    [
        "\n".join(SECRET[i : i + 8] for i in range(0, 32, 8)),  # fold -w 8
        "\n".join("  " + SECRET[i : i + 5] for i in range(0, 32, 5)),  # indented, 5 a line
        "\r\n".join(SECRET[i : i + 11] for i in range(0, 32, 11)),  # CRLF, 11 a line
    ],
)
def test_a_value_folded_into_short_lines_in_a_long_text_is_masked(folded: str) -> None:
    """No 12 of its characters are on one line, and the text is far over 8 KB."""
    from tools.secrets import mask_secrets

    log = "step 1 loss 0.5\n" * 4000
    masked = mask_secrets(log + folded + "\n" + log, ENV)
    assert masked == log + folded[: folded.index(SECRET[0])] + "[REDACTED:SERVICE_API_KEY]\n" + log


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("KAGGLE_KEY", True),
        ("WANDB_API_KEY", True),
        ("PGPASSWORD", True),
        ("AWS_SESSION_TOKEN", True),
        ("PIN", True),
        ("DB_PASS", True),
        ("ML_INTERN_DATABASE_URL", True),  # postgresql://user:password@host/db
        ("DATABASE_URL", True),
        ("TOKENIZERS_PARALLELISM", False),
        ("KEYBOARD_LAYOUT", False),
        ("MAX_TOKENS", False),
        ("PWD", False),
        ("SSH_AUTH_SOCK", False),
        ("SSL_CERT_FILE", False),
        ("TIKTOKEN_CACHE_DIR", False),
        ("HF_TOKEN_PATH", False),
    ],
)
def test_which_variables_are_secret(name: str, secret: bool) -> None:
    from tools.secrets import is_secret_name, without_secrets

    assert is_secret_name(name) is secret
    assert (name in without_secrets({name: "x" * 20})) is not secret


def test_the_thread_database_url_is_masked_in_output() -> None:
    from tools.secrets import mask_secrets

    url = "postgresql://team:Sup3r-s3cret-pw@db.internal:5432/threads"
    shown = mask_secrets(f"$ env\nML_INTERN_DATABASE_URL={url}\n", {"ML_INTERN_DATABASE_URL": url})
    assert "Sup3r-s3cret-pw" not in shown and "[REDACTED:ML_INTERN_DATABASE_URL]" in shown


def test_a_path_in_a_secret_variable_is_not_masked_in_every_output(tmp_path: Path) -> None:
    from tools.secrets import mask_secrets

    key_file = tmp_path / "service-account.json"
    key_file.write_text("{}")
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    assert mask_secrets(f"wrote {key_file}", env) == f"wrote {key_file}"


def test_a_short_secret_is_withheld_but_never_masked() -> None:
    """A 4-digit PIN would turn every `1234` of a training log into a mask: it is kept from
    child processes, and values under 8 characters are not masked by value."""
    from tools.secrets import mask_secrets, without_secrets

    assert mask_secrets("step 1234 loss 0.1234", {"PIN": "1234"}) == "step 1234 loss 0.1234"
    assert "PIN" not in without_secrets({"PIN": "1234", "LANG": "C"})


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("db:\n  pass: Kestrel#9xk2mq", "db:\n  pass: [REDACTED:pass]"),
        ("key: 8f3KdL20xQp7Wm1z", "key: [REDACTED:key]"),
        ('api_key = "Qh0lQM8Db2Ullxfs1BHL"', 'api_key = "[REDACTED:api_key]"'),
        ('{"client_secret": "wyxgqhYQgqmd3Uett"}', '{"client_secret": "[REDACTED:client_secret]"}'),
        ("machine h\n  password 0f9e8d7c6b5a4f3e", "machine h\n  password [REDACTED:password]"),
        ("DB_PASSWORD=correct-horse-battery", "DB_PASSWORD=[REDACTED:DB_PASSWORD]"),
        ("creds.txt:4:access_token: Ab9Cd8Ef7Gh6", "creds.txt:4:access_token: [REDACTED:access_token]"),
        ("eos_token: <|endoftext|>", None),
        ("max_new_tokens: 512", None),
        ("key: input_ids", None),
        ("api_key: ${OPENAI_API_KEY}", None),
        ("password: ********", None),
        ("tokenizer_class: Qwen2Tokenizer", None),
        ("tokenizer.pad_token = tokenizer.eos_token", None),
        ('api_key = os.environ["OPENAI_API_KEY"]', None),
    ],
)  # fmt: skip
def test_settings_with_a_secret_name_lose_random_looking_values(
    text: str, masked: str | None
) -> None:
    from tools.secrets import mask_secrets

    assert mask_secrets(text, {}) == (masked or text)


def test_a_csv_header_names_the_secret_columns() -> None:
    from tools.secrets import mask_secrets

    text = "User name,Password,Console login link\nbot,Tr0ub4dor#x93,https://console\n"
    assert mask_secrets(text, {}) == (
        "User name,Password,Console login link\nbot,[REDACTED:Password],https://console\n"
    )


KEY_LINES = [
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
]


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(KEY_LINES) + "\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\n" + KEY_LINES[0],  # head -2
        "\n".join(sorted(["-----BEGIN RSA PRIVATE KEY-----", *KEY_LINES, "-----END RSA PRIVATE KEY-----"])),
        '{"private_key": "-----BEGIN PRIVATE KEY-----\\n' + "\\n".join(KEY_LINES) + '\\n-----END PRIVATE KEY-----\\n"}',
        "\n".join(f"{i:6}\t{line}" for i, line in enumerate(["-----BEGIN OPENSSH PRIVATE KEY-----", *KEY_LINES], 1)),
    ],
)  # fmt: skip
def test_private_keys_are_masked_whole_cut_short_sorted_or_escaped(text: str) -> None:
    from tools.secrets import mask_secrets

    masked = mask_secrets(text, {})
    assert not [line for line in KEY_LINES if line[:12] in masked or line[-12:] in masked]
    assert "[REDACTED:" in masked


def test_a_streamed_key_is_masked_line_by_line_after_its_marker() -> None:
    from tools.secrets import StreamMasker

    masker = StreamMasker()
    events = [{"line": "-----BEGIN RSA PRIVATE KEY-----"}, *({"line": x} for x in KEY_LINES)]
    shown = [masker(event)["line"] for event in events]
    assert shown[1:] == ["[REDACTED:private-key]"] * 3
    assert StreamMasker()({"line": KEY_LINES[0]}) == {"line": KEY_LINES[0]}  # no marker: data


def test_importing_the_secrets_package_loads_no_rules_and_no_langchain() -> None:
    """`threads list` redacts, and every process imports this package: the rule set compiles
    on its first scan (or in `load_soon`'s thread), never at import."""
    import subprocess
    import sys

    code = (
        "import sys, tools.secrets, tools.secrets.sources; "
        "print(sorted(m for m in ('kingfisher_sdk', 'langchain_core', 'huggingface_hub') "
        "if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_system_prompt_is_masked_again_once_a_secret_becomes_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt's masking is remembered between model calls, never past a new secret: a
    `.env` written after the first call, or a secret variable set, masks it on the next."""
    import secrets

    from tools.secrets.sources import masked_in

    written, exported = (
        f"violet-{secrets.token_hex(4)}-harbour",
        f"amber-{secrets.token_hex(4)}-dune",
    )
    prompt = f"# AGENTS.md\nThe words of the day are {written} and {exported}.\n"
    assert masked_in(tmp_path, prompt) == prompt  # nothing known yet: shown as written
    assert masked_in(tmp_path, prompt) == prompt
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".env").write_text(f"SERVICE_PASSWORD={written}\n")
    masked = masked_in(tmp_path, prompt)
    assert written not in masked and "[REDACTED:SERVICE_PASSWORD]" in masked
    assert exported in masked
    monkeypatch.setenv("DEPLOY_API_KEY", exported)
    masked = masked_in(tmp_path, prompt)
    assert exported not in masked and "[REDACTED:DEPLOY_API_KEY]" in masked
    monkeypatch.delenv("DEPLOY_API_KEY")
    assert written not in masked_in(tmp_path, prompt)  # a known value stays known


def test_a_result_seen_before_is_masked_again_once_a_secret_becomes_known(
    tmp_path: Path,
) -> None:
    """A long result is scanned once while nothing new is known (a file read again, a
    command's unchanged output), never past a new secret: a `.env` written since masks it."""
    import secrets

    from langchain_core.messages import ToolMessage

    from nodes.execute_tools import kept_output

    word = f"cobalt-{secrets.token_hex(4)}-meadow"
    text = "a line of the file\n" * 200 + f"the value is {word}\n"

    def kept() -> str:
        result = ToolMessage(text, tool_call_id="c1")
        return str(kept_output(result, tmp_path, 100_000, tmp_path / "spill").content)

    assert kept() == text  # nothing known yet: shown as written, twice
    assert kept() == text
    (tmp_path / ".env").write_text(f"SERVICE_TOKEN={word}\n")
    masked = kept()
    assert word not in masked and "[REDACTED:SERVICE_TOKEN]" in masked
