"""Realistic fake secrets, generated per test, and ordinary ML output that must stay as it is.

`planted(seed)` returns `Planted` records: the value that must never reach the model, the text a
file (or an environment variable, or a page) holds it in, and where it goes. None is a real key:
each is random characters in the provider's shape. `ordinary_outputs()` is what an ML agent
reads all day (training logs, hashes, commit ids, configs, base64 weights, UUIDs); masking must
give it back byte for byte.
"""

from __future__ import annotations

import base64
import random
import string
import textwrap
from dataclasses import dataclass

from tests.ordinary_logs import ordinary_logs

UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Planted:
    """`value` must never be seen; `text` is how it is written where it is planted."""

    kind: str
    value: str
    text: str
    where: str = "file"  # file | env | name | agents | mcp | job | research | skill | web


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def _word_pw(rng: random.Random) -> str:
    """A human password: word, symbol, digits (what people type into a console)."""
    return (
        rng.choice(["Tr0ub4dor", "Kestrel", "Mango", "Velvet"])
        + rng.choice("!#%&")
        + _r(rng, DIGITS + LOWER, 7)
    )


def pem_body(rng: random.Random, lines: int = 12) -> list[str]:
    raw = rng.randbytes(48 * lines)
    text = base64.b64encode(b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + raw).decode()
    return textwrap.wrap(text, 64)


def planted(seed: int = 0) -> list[Planted]:
    """At least 40 fakes across the shapes that leaked before, each realistic and random."""
    rng = random.Random(seed)
    p: list[Planted] = []

    def add(kind: str, value: str, text: str | None = None, where: str = "file") -> str:
        p.append(Planted(kind, value, text if text is not None else value, where))
        return value

    aws_id = "AKIA" + _r(rng, UPPER + "234567", 16)
    aws_secret = _r(rng, B64, 40)
    add("aws-key-id", aws_id, f"aws_access_key_id = {aws_id}")
    add("aws-secret", aws_secret, f"aws_secret_access_key = {aws_secret}")
    console_pw, csv_secret = _word_pw(rng), _r(rng, B64, 40)
    csv = (
        "User name,Password,Access key ID,Secret access key,Console login link\n"
        f"ml-bot,{console_pw},AKIA{_r(rng, UPPER + '234567', 16)},{csv_secret},"
        "https://123456789012.signin.aws.amazon.com/console"
    )
    add("aws-console-password", console_pw, csv)
    add("aws-csv-secret", csv_secret, "")
    add("gcp-api-key", "AIza" + _r(rng, ALNUM + "_-", 35))
    add("github-pat", "ghp_" + _r(rng, ALNUM, 36))
    add(
        "github-fine-grained",
        "github_pat_11" + _r(rng, UPPER + DIGITS, 20) + "_" + _r(rng, ALNUM, 59),
    )
    glpat = "glpat-" + _r(rng, ALNUM + "_-", 20)
    add("gitlab-token", glpat)
    add("slack-bot", f"xoxb-{_r(rng, DIGITS, 12)}-{_r(rng, DIGITS, 13)}-{_r(rng, ALNUM, 24)}")
    hook = f"T{_r(rng, UPPER + DIGITS, 8)}/B{_r(rng, UPPER + DIGITS, 10)}/{_r(rng, ALNUM, 24)}"
    add(
        "slack-webhook",
        hook.rsplit("/", 1)[1],
        f"SLACK_HOOK=https://hooks.slack.com/services/{hook}",
    )
    add("stripe-live", "sk_live_" + _r(rng, ALNUM, 24))
    add("openai", "sk-proj-" + _r(rng, ALNUM + "_-", 74) + "T3BlbkFJ" + _r(rng, ALNUM + "_-", 74))
    add("anthropic", "sk-ant-api03-" + _r(rng, ALNUM + "_-", 93) + "AA")
    add("hf-token", "hf_" + _r(rng, UPPER + LOWER, 34))
    pg = _r(rng, ALNUM, 18)
    add("postgres-password", pg, f"DATABASE_URL=postgresql://app:{pg}@db.internal:5432/prod")
    redis = _r(rng, ALNUM, 20)
    add("redis-password", redis, f"cache: redis://:{redis}@cache.internal:6379/0")
    mongo = _r(rng, ALNUM, 16)
    add(
        "mongo-password",
        mongo,
        f"MONGO=mongodb+srv://trainer:{mongo}@cluster0.ab12c.mongodb.net/db",
    )
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(b'{"sub":"%d","role":"service"}' % rng.randrange(10**9))
    jwt = f"{header}.{claims.decode().rstrip('=')}.{_r(rng, ALNUM + '_-', 43)}"
    add("jwt", jwt, f"session = {jwt}")
    body = pem_body(rng)
    pem = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END RSA PRIVATE KEY-----"
    add("pem-line", body[3], pem)
    partial = pem_body(rng)
    add("pem-partial", partial[0], "-----BEGIN OPENSSH PRIVATE KEY-----\n" + partial[0])
    shuffled = pem_body(rng)
    lines = ["-----BEGIN PRIVATE KEY-----", *shuffled, "-----END PRIVATE KEY-----"]
    add("pem-sorted", shuffled[5], "\n".join(sorted(lines)))
    add("env-secret-key", _r(rng, ALNUM, 50), None, "env-file")
    add("nested-env", _r(rng, ALNUM, 32), None, "nested-env-file")
    yaml_pass = _word_pw(rng) + _r(rng, ALNUM, 4)
    add("yaml-pass", yaml_pass, f"db:\n  user: trainer\n  pass: {yaml_pass}")
    yaml_key = _r(rng, ALNUM, 32)
    add("yaml-key", yaml_key, f"wandb:\n  project: sft\n  key: {yaml_key}")
    yaml_at = _r(rng, ALNUM + "-_", 40)
    add("yaml-access-token", yaml_at, f"hub:\n  access_token: {yaml_at}")
    toml_key = _r(rng, ALNUM, 28)
    add("toml-api-key", toml_key, f'[tool.mlops]\napi_key = "{toml_key}"')
    ini_secret = _r(rng, ALNUM + "!@#", 24)
    add("ini-secret", ini_secret, f"[auth]\nclient_secret = {ini_secret}")
    json_secret = _r(rng, ALNUM, 36)
    add(
        "json-client-secret",
        json_secret,
        f'{{"client_id": "web", "client_secret": "{json_secret}"}}',
    )
    b64_secret = _r(rng, ALNUM, 30)
    add("b64-known", b64_secret, None, "env-b64")
    split = _r(rng, ALNUM, 48)
    add("split-known", split, None, "env-split")
    add("gitlab-in-name", "glpat-" + _r(rng, ALNUM, 20), None, "name")
    add("gitlab-in-mcp", glpat, f"deploy token: {glpat}", "mcp")
    azure = base64.b64encode(rng.randbytes(64)).decode()
    add(
        "azure-account-key",
        azure,
        f"DefaultEndpointsProtocol=https;AccountName=mlsa;AccountKey={azure};EndpointSuffix=core.windows.net",
    )
    add("npm-token", "npm_" + _r(rng, ALNUM, 36), None)
    add("sendgrid", f"SG.{_r(rng, ALNUM + '_-', 22)}.{_r(rng, ALNUM + '_-', 43)}")
    netrc_pw = _r(rng, HEX, 40)
    add("netrc-password", netrc_pw, f"machine api.wandb.ai\n  login user\n  password {netrc_pw}")
    cred_line = _r(rng, ALNUM, 40)
    add("credentials-file", cred_line, f"prod {cred_line}", "credentials-file")
    add("kaggle-key", _r(rng, HEX, 32), None, "env")
    add("agents-md-token", "hf_" + _r(rng, UPPER + LOWER, 34), None, "agents")
    add("skill-token", "ghp_" + _r(rng, ALNUM, 36), None, "skill")
    add("job-log-token", "hf_" + _r(rng, UPPER + LOWER, 34), None, "job")
    add("research-token", "sk_live_" + _r(rng, ALNUM, 24), None, "research")
    add(
        "web-page-token",
        f"xoxp-{_r(rng, DIGITS, 12)}-{_r(rng, DIGITS, 12)}-{_r(rng, DIGITS, 13)}-{_r(rng, HEX, 32)}",
        None,
        "web",
    )
    add("mcp-env-secret", _r(rng, ALNUM, 32), None, "mcp-env")
    add("digitalocean", "dop_v1_" + _r(rng, HEX, 64))
    add("databricks", "dapi" + _r(rng, HEX, 32))
    add("pypi-token", "pypi-AgEIcHlwaS5vcmc" + _r(rng, ALNUM + "_-", 60))
    add("twilio-key", "SK" + _r(rng, HEX, 32), None)
    basic = base64.b64encode(f"ci:{_r(rng, ALNUM, 20)}".encode()).decode()
    add("basic-auth", basic, f"Authorization: Basic {basic}")
    docker = base64.b64encode(f"bot:{_r(rng, ALNUM, 24)}".encode()).decode()
    add("docker-auth", docker, f'{{"auths": {{"ghcr.io": {{"auth": "{docker}"}}}}}}')
    return p


def ordinary_outputs() -> dict[str, str]:
    """What must come back byte-identical: a name for each, then the text."""
    rng = random.Random(7)
    sha = "".join(rng.choices(HEX, k=64))
    commit = "".join(rng.choices(HEX, k=40))
    weights = base64.b64encode(rng.randbytes(300)).decode()
    return {
        "trainer-log": "\n".join(
            f"{{'loss': {rng.random():.4f}, 'grad_norm': {rng.random():.3f}, 'learning_rate': 2e-05, "
            f"'epoch': {i / 10:.2f}}}"
            for i in range(20)
        ),
        "tqdm": "  7%|▋         | 70/1000 [00:12<02:41,  5.76it/s, loss=1.234, lr=2.0e-05]",
        "generation-config": '{"eos_token_id": 151645, "max_new_tokens": 512, "pad_token_id": 151643, '
        '"temperature": 0.7, "top_p": 0.8}',
        "tokenizer-config": 'eos_token: "<|endoftext|>"\npad_token: "<|pad|>"\nbos_token: null\n'
        "model_max_length: 32768\nadd_bos_token: false",
        "special-tokens": '{"eos_token": {"content": "<|im_end|>", "lstrip": false}, "unk_token": null}',
        "sha256sum": f"{sha}  model-00001-of-00004.safetensors",
        "docker-digest": f"ghcr.io/huggingface/text-generation-inference@sha256:{sha}",
        "git-log": f"commit {commit}\nAuthor: Ada <ada@example.org>\n\n    Fix tokenizer padding side",
        "hub-revision": f"https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/{commit}/config.json",
        "pip-hash": f"torch==2.5.1 --hash=sha256:{sha}",
        "base64-weights": f"weights: {weights}",
        "uuids": "\n".join(
            f"run {rng.randbytes(16).hex()[:8]}-4e9b-a1c2-5d6e-7f8a9b0c1d2e done" for _ in range(5)
        ),
        "wandb-run": f"wandb: 🚀 View run at https://wandb.ai/team/sft/runs/{''.join(rng.choices(LOWER + DIGITS, k=8))}",
        "s3-path": "s3://ml-datasets/processed/2024-10-01/train-00000-of-00008.parquet",
        "lora-config": "r: 16\nlora_alpha: 32\ntarget_modules: [q_proj, k_proj, v_proj, o_proj]\nlora_dropout: 0.05",
        "accelerate-yaml": "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nmixed_precision: bf16\n"
        "num_processes: 8\nmain_process_port: 29500",
        "yaml-ordinary-keys": "key: input_ids\ntoken: <s>\npass: 3\npassword_field: password\nsecret_santa: false",
        "csv-header": "id,text,label,token_count\n1,the movie was great,1,6\n2,password reset flow,0,3",
        "placeholders": "api_key: ${OPENAI_API_KEY}\npassword: ********\ntoken: <YOUR_HF_TOKEN>\n"
        'Authorization: Bearer $HF_TOKEN\nsecret = "changeme"',
        "nvidia-smi": "| 0  NVIDIA A100-SXM4-80GB   On | 00000000:07:00.0 Off |   0 |\n"
        "| N/A   34C  P0   62W / 400W |  40536MiB / 81920MiB |  0%  Default |",
        "git-remote": "origin\tgit@github.com:huggingface/trl.git (fetch)\nhttps://user@github.com/org/repo",
        "dataset-rows": '{"text": "Enter your password to continue", "label": 0}\n'
        '{"text": "The secret ingredient is time", "label": 1}',
        "model-ids": "meta-llama/Llama-3.1-8B-Instruct mistralai/Mistral-7B-v0.3 sk-learn-tutorial task-sk-1",
        "python-traceback": 'File "/usr/lib/python3.11/site-packages/transformers/tokenization_utils_base.py", line 2041\n'
        "KeyError: 'access_token'",
        "env-listing": "PATH=/usr/local/bin:/usr/bin\nHOME=/root\nCUDA_VISIBLE_DEVICES=0,1\nTOKENIZERS_PARALLELISM=false",
        "log-with-pin-digits": "step 1234 loss 0.1234 tokens 1234/1234",
        **encoded_outputs(rng),
        **ordinary_logs(rng),
    }


def encoded_outputs(rng: random.Random) -> dict[str, str]:
    """Twenty ML outputs full of base64, hex and adjacent string literals that hold no secret:
    masking decodes and joins them, and must still give them back byte for byte."""
    sha, sha1, md5 = (_r(rng, HEX, n) for n in (64, 40, 32))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(600)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(900)
    header = (
        b'{"__metadata__":{"format":"pt"},"lm_head.weight":{"dtype":"BF16","shape":[151936,896],'
        b'"data_offsets":[0,272269312]},"model.norm.weight":{"dtype":"BF16","shape":[896],'
        b'"data_offsets":[272269312,272271104]}}'
    )
    safetensors = len(header).to_bytes(8, "little") + header
    floats = b"".join(rng.choice([b"\x00\x00\x80\x3f", b"\xcd\xcc\x4c\x3e"]) for _ in range(64))
    card = b"# Qwen2.5-0.5B GSM8K\n\nTrained with TRL's GRPOTrainer; eval reward 0.41 -> 0.57.\n"
    tokenizer = (
        b'{"pad_token": "<|endoftext|>", "eos_token": "<|im_end|>", "model_max_length": 32768}'
    )
    vocab = ", ".join(f'"{w}": {i}' for i, w in enumerate(
        ["<|endoftext|>", "\u0120the", "\u0120token", "\u0120password", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
         "\u0120\u0120\u0120\u0120\u0120\u0120\u0120\u0120", "secret", "_key"]
    ))  # fmt: skip
    content = base64.encodebytes(card).decode().replace("\n", "\\n")  # as GitHub's API sends it
    return {
        "png-data-uri": f"![loss curve](data:image/png;base64,{base64.b64encode(png).decode()})",
        "jpeg-base64-wrapped": base64.encodebytes(jpeg).decode(),
        "safetensors-header": header.decode(),
        "safetensors-header-base64": base64.b64encode(safetensors).decode(),
        "safetensors-header-xxd": "\n".join(textwrap.wrap(safetensors[:96].hex(), 60)),
        "tokenizer-vocab": "{" + vocab + "}",
        "tokenizer-merges": "#version: 0.2\n\u0120 t\n\u0120 a\nh e\ni n\n\u0120t he\nr e",
        "sentencepiece-vocab": "\u2581the\t-3.2109\n\u2581of\t-3.9002\n\u2581token\t-9.5512",
        "tokenizer-config-base64": base64.b64encode(tokenizer).decode(),
        "lfs-pointer": f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize 988097824",
        "md5sums": f"{md5}  train-00000-of-00002.parquet\n{_r(rng, HEX, 32)}  test.parquet",
        "hf-cache-tree": f"snapshots/{sha1}/model.safetensors -> ../../blobs/{sha}",
        "xet-etag": f'etag: "{sha1}"\nx-xet-hash: {_r(rng, HEX, 64)}\nx-linked-size: 988097824',
        "embedding-base64": f'{{"object": "embedding", "embedding": "{base64.b64encode(floats).decode()}"}}',
        "tensor-hex": f"tensor bytes: {floats[:48].hex()}",
        "wandb-digest": f'digest: "{base64.b64encode(rng.randbytes(16)).decode()}"',
        "github-content-api": f'{{"encoding": "base64", "content": "{content}"}}',
        "python-help-text": 'p.add_argument(\n    "--eval-batch",\n    help=("Completions per eval step; a multiple of "\n'
        '          "--num-generations (default: equal to it)."),\n)',
        "js-url-join": 'const url = "https://huggingface.co/" + repo + "/resolve/main/" + "config.json";',
        "shell-continuation": 'python train.py \\\n  --model "Qwen/Qwen2.5-0.5B" \\\n  --output-dir "out" \\\n  --token-budget "4096"',
        "job-and-gpu-ids": f"Job {_r(rng, HEX, 24)} on GPU-{_r(rng, HEX, 8)}-{_r(rng, HEX, 4)}-4c1d-9e2f-{_r(rng, HEX, 12)}",
    }
