"""The shapes secrets have whatever their name: provider token formats (AWS ``AKIA…``, GitHub
``ghp_…``, a signed JWT, a PEM private key…) and a password embedded in a URL.

The secrets rules report a value of such a shape unless it is a placeholder; output masks every
token in a provider's format in any source text it shows, placeholder or not
(``core/masking.py``): a real key that resembles a documentation example is never shown in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from isolint.core.lazy_regex import lazy_compile


@dataclass(frozen=True)
class KnownFormat:
    description: str  # "a GitHub token": reads after "holds"
    pattern: re.Pattern[str]
    #: byte strings a file must contain for the format to be possible (the rules' prefilter)
    tokens: tuple[bytes, ...]


KNOWN_FORMATS: tuple[KnownFormat, ...] = (
    KnownFormat("a private key", lazy_compile(
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?[A-Za-z0-9+/]{40,}"), (b"PRIVATE KEY",)),
    KnownFormat("an AWS access key ID", lazy_compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])"),
                (b"AKIA", b"ASIA", b"ABIA", b"ACCA", b"A3T")),
    KnownFormat("a GitHub token", lazy_compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})"),
                (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_")),
    KnownFormat("a GitLab token", lazy_compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_\-]{20,}"), (b"glpat-",)),
    KnownFormat("a Slack token", lazy_compile(r"(?<![A-Za-z0-9])xox[abposr]-(?:\d+-)?[A-Za-z0-9-]{10,}"), (b"xox",)),
    KnownFormat("a Slack webhook URL", lazy_compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"),
                (b"hooks.slack.com",)),
    KnownFormat("a Stripe live key", lazy_compile(r"(?<![A-Za-z0-9])(?:sk|rk)_live_[A-Za-z0-9]{16,}"), (b"_live_",)),
    KnownFormat("a Google API key", lazy_compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{35}"), (b"AIza",)),
    KnownFormat("an OpenAI API key", lazy_compile(
        r"(?<![A-Za-z0-9])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}"
        r"|(?<![A-Za-z0-9])sk-proj-[A-Za-z0-9_\-]{40,}"), (b"sk-",)),
    KnownFormat("an Anthropic API key", lazy_compile(r"(?<![A-Za-z0-9])sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,}"),
                (b"sk-ant-",)),
    KnownFormat("a SendGrid API key", lazy_compile(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}"), (b"SG.",)),
    KnownFormat("an npm token", lazy_compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}"), (b"npm_",)),
    KnownFormat("a PyPI token", lazy_compile(r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"), (b"pypi-",)),
    KnownFormat("an Azure storage key", lazy_compile(r"(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,}={0,2}"),
                (b"AccountKey=", b"SharedAccessKey=")),
    KnownFormat("a JSON Web Token", lazy_compile(
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}"), (b"eyJ",)),
)
KNOWN_FORMAT_TOKENS: tuple[bytes, ...] = tuple(token for fmt in KNOWN_FORMATS for token in fmt.tokens)
FORMAT_MARKERS = tuple((fmt, tuple(token.decode() for token in fmt.tokens)) for fmt in KNOWN_FORMATS)
#: one scan tells whether any format is possible in a text (most texts hold no marker)
ANY_FORMAT_MARKER_RE = lazy_compile("|".join(re.escape(m) for _, markers in FORMAT_MARKERS for m in markers))
#: ``scheme://user:password@host``
URL_PASSWORD_RE = lazy_compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<user>[^:/@\s\"'{}$]*):(?P<password>[^@/\s\"']+)@(?P<host>[^\s/:@\"']+)"
)
