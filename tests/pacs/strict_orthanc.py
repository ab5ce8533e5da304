"""An Orthanc that, like most hospital PACS, answers queries and retrieves only for the AE titles
registered with it (``DicomAlways…`` off), for the "our AE title is not registered" tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.pacs.conftest import LOOPBACK, ORTHANC_AET, OUR_AET, OrthancServer, free_port


class StrictOrthanc(OrthancServer):
    def __init__(self, binary: str, folder: Path, our_port: int, registered: bool):
        self.folder = folder
        self.dicom_port = free_port()
        self.http_port = free_port()
        config = {
            "Name": "spine-planner-strict", "DicomAet": ORTHANC_AET, "DicomPort": self.dicom_port,
            "HttpPort": self.http_port, "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "index"), "RemoteAccessAllowed": False, "HttpServerEnabled": True,
            "AuthenticationEnabled": False, "DicomCheckCalledAet": True, "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": False, "DicomAlwaysAllowFind": False, "DicomAlwaysAllowGet": False,
            "DicomAlwaysAllowMove": False, "DicomCheckModalityHost": False,
            "DicomModalities": {"planner": [OUR_AET, LOOPBACK, our_port]} if registered else {},
            "DicomAssociationCloseDelay": 0, "DicomScuTimeout": 5, "Plugins": [], "SaveJobs": False,
        }
        (folder / "orthanc.json").write_text(json.dumps(config, indent=1))
        self.log_path = folder / "orthanc.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, str(folder / "orthanc.json")], stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=folder)
        self._wait_ready()
