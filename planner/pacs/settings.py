"""PACS node settings: the remote nodes, our own AE title and receive port, and network timeouts.

Stored as JSON (``pacs.json``) in a configuration folder, by default ``~/.config/spine-planner``
(``$XDG_CONFIG_HOME/spine-planner`` when that variable is set). Writes go to a temporary file in the
same folder, are flushed to disk, then renamed over the old file, so a crash never leaves a
half-written settings file. AE titles follow PS3.5 section 6.2 (VR AE): at most 16 characters of the
default character repertoire, no backslash, no control characters, not all spaces.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from planner.pacs.errors import PacsSettingsError

SETTINGS_FILE = "pacs.json"
SCHEMA_VERSION = 1


def default_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/spine-planner`` or ``~/.config/spine-planner``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "spine-planner"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/spine-planner/pacs`` or ``~/.cache/spine-planner/pacs``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spine-planner" / "pacs"


def check_ae_title(title: str, what: str = "AE title") -> str:
    """Return ``title`` stripped, or raise :class:`PacsSettingsError` if it is not a valid AE (PS3.5 6.2)."""
    if not isinstance(title, str):
        raise PacsSettingsError(f"The {what} must be text.")
    stripped = title.strip()
    if not stripped:
        raise PacsSettingsError(f"The {what} is empty: enter the AE title configured on the PACS.")
    if len(stripped) > 16:
        raise PacsSettingsError(f"The {what} '{stripped}' is longer than 16 characters (DICOM limit).")
    if any(ord(c) < 0x20 or ord(c) > 0x7E or c == "\\" for c in stripped):
        raise PacsSettingsError(
            f"The {what} '{stripped}' contains characters DICOM does not allow (letters, digits, "
            "spaces and ordinary punctuation only, no backslash).")
    return stripped


def check_port(port: object, what: str = "port") -> int:
    """Return ``port`` as an int in 1..65535 or raise :class:`PacsSettingsError`."""
    try:
        value = int(port)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PacsSettingsError(f"The {what} '{port}' is not a number.") from None
    if not 1 <= value <= 65535:
        raise PacsSettingsError(f"The {what} {value} is outside 1-65535.")
    return value


@dataclass(frozen=True)
class PacsNode:
    """One remote DICOM node (PACS): display name, its AE title, host name or address, DICOM port.

    ``tls`` makes the connection TLS (DICOM PS3.15 B.1, the Basic TLS Secure Transport Connection
    Profile; usually port 2762): the PACS's certificate is checked against ``tls_ca_file`` (PEM; empty:
    the system's trusted authorities) and its host name; ``tls_cert_file``/``tls_key_file`` (PEM) give
    our own certificate when the PACS asks for one.
    """

    name: str
    ae_title: str
    host: str
    port: int = 104
    tls: bool = False
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""

    def tls_context(self):
        """The client ``ssl.SSLContext`` for this node (None without TLS); PacsSettingsError in words."""
        if not self.tls:
            return None
        import ssl

        try:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.tls_ca_file or None)
            if self.tls_cert_file:
                context.load_cert_chain(self.tls_cert_file, self.tls_key_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise PacsSettingsError(f"The TLS certificate files of PACS '{self.name}' cannot be used ({exc}).") from None
        return context

    def validated(self) -> PacsNode:
        name = self.name.strip() or self.ae_title.strip()
        host = self.host.strip()
        if not host:
            raise PacsSettingsError(f"The PACS '{name}' has no host name or address.")
        if any(c.isspace() for c in host):
            raise PacsSettingsError(f"The host '{host}' of PACS '{name}' contains spaces.")
        for what, path in (("CA", self.tls_ca_file), ("certificate", self.tls_cert_file), ("key", self.tls_key_file)):
            if self.tls and path and not Path(path).is_file():
                raise PacsSettingsError(f"The TLS {what} file '{path}' of PACS '{name}' does not exist.")
        return replace(self, name=name, ae_title=check_ae_title(self.ae_title, f"AE title of PACS '{name}'"),
                       host=host, port=check_port(self.port, f"port of PACS '{name}'"), tls=bool(self.tls))

    @property
    def label(self) -> str:
        """How messages name the node: ``name (AE@host:port)``, with ", TLS" when encrypted."""
        return f"PACS '{self.name}' ({self.ae_title}@{self.host}:{self.port}{', TLS' if self.tls else ''})"


@dataclass(frozen=True)
class Timeouts:
    """Network timeouts in seconds (pynetdicom's connection/ACSE/DIMSE/network timeouts).

    ``connect_s``: TCP connection; ``acse_s``: waiting for the association answer (PS3.8 ARTIM);
    ``dimse_s``: waiting for each DIMSE response (a C-FIND/C-GET/C-MOVE/C-STORE reply);
    ``network_s``: a connection with no traffic at all is closed after this long.
    """

    connect_s: float = 10.0
    acse_s: float = 30.0
    dimse_s: float = 60.0
    network_s: float = 120.0

    def validated(self) -> Timeouts:
        for name, value in asdict(self).items():
            if not isinstance(value, (int, float)) or not 0.1 <= float(value) <= 3600:
                raise PacsSettingsError(f"The timeout '{name}' must be between 0.1 and 3600 seconds.")
        return Timeouts(**{k: float(v) for k, v in asdict(self).items()})


@dataclass(frozen=True)
class PacsSettings:
    """Everything the networking layer needs: our identity, the nodes, timeouts and the cache folder.

    ``receive_bind`` is the local address our storage SCP listens on for C-MOVE ("" = every
    interface, which a hospital PACS needs to reach us; tests use 127.0.0.1). ``cache_dir`` empty
    means :func:`default_cache_dir`.
    """

    local_ae_title: str = "SPINEPLANNER"
    receive_port: int = 11112
    receive_bind: str = ""
    nodes: tuple[PacsNode, ...] = ()
    timeouts: Timeouts = field(default_factory=Timeouts)
    cache_dir: str = ""

    def validated(self) -> PacsSettings:
        nodes = tuple(n.validated() for n in self.nodes)
        names = [n.name for n in nodes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise PacsSettingsError(f"Two PACS entries have the same name: {', '.join(duplicates)}.")
        return replace(self, local_ae_title=check_ae_title(self.local_ae_title, "our AE title"),
                       receive_port=check_port(self.receive_port, "receive port"),
                       receive_bind=self.receive_bind.strip(), nodes=nodes,
                       timeouts=self.timeouts.validated(), cache_dir=self.cache_dir.strip())

    def node(self, name: str) -> PacsNode:
        for n in self.nodes:
            if n.name == name:
                return n
        raise PacsSettingsError(f"No PACS named '{name}' is configured.")

    def cache_path(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else default_cache_dir()

    def to_json(self) -> dict:
        data = asdict(self)
        data["nodes"] = [asdict(n) for n in self.nodes]
        data["version"] = SCHEMA_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict) -> PacsSettings:
        if not isinstance(data, dict):
            raise PacsSettingsError("The PACS settings file does not hold a JSON object.")
        try:
            nodes = tuple(PacsNode(name=str(n.get("name", "")), ae_title=str(n["ae_title"]),
                                   host=str(n["host"]), port=n.get("port", 104), tls=bool(n.get("tls", False)),
                                   tls_ca_file=str(n.get("tls_ca_file", "")),
                                   tls_cert_file=str(n.get("tls_cert_file", "")),
                                   tls_key_file=str(n.get("tls_key_file", "")))
                          for n in data.get("nodes", []))
            timeouts = Timeouts(**data.get("timeouts", {}))
            settings = cls(local_ae_title=str(data.get("local_ae_title", cls.local_ae_title)),
                           receive_port=data.get("receive_port", cls.receive_port),
                           receive_bind=str(data.get("receive_bind", "")), nodes=nodes,
                           timeouts=timeouts, cache_dir=str(data.get("cache_dir", "")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise PacsSettingsError(f"The PACS settings file is damaged ({exc}).") from None
        return settings.validated()


class SettingsStore:
    """Reads and writes :class:`PacsSettings` as ``pacs.json`` in ``config_dir``."""

    def __init__(self, config_dir: str | os.PathLike | None = None):
        self.config_dir = Path(config_dir) if config_dir is not None else default_config_dir()

    @property
    def path(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    def load(self) -> PacsSettings:
        """The stored settings, or defaults (no nodes) when no file exists yet."""
        if not self.path.exists():
            return PacsSettings()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PacsSettingsError(f"The PACS settings file {self.path} cannot be read ({exc}).") from None
        return PacsSettings.from_json(data)

    def save(self, settings: PacsSettings) -> Path:
        """Validate and write ``settings`` atomically (temporary file + rename); returns the path."""
        text = json.dumps(settings.validated().to_json(), indent=2, sort_keys=True)
        try:
            self.config_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".pacs-", suffix=".tmp", dir=self.config_dir)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise PacsSettingsError(f"The PACS settings could not be saved in {self.config_dir} ({exc}).") from None
        return self.path
