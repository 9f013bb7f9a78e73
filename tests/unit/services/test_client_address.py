"""The client address comes from the peer, or from X-Forwarded-For only behind a trusted proxy."""

import ipaddress

import pytest

from iep_app.services.client_address import UNKNOWN, resolve
from iep_app.settings import SettingsError, load_settings

PROXY = (ipaddress.ip_network("10.0.0.0/24"),)


def test_without_trusted_proxies_the_header_is_ignored():
    assert resolve("198.51.100.7", "203.0.113.9", ()) == "198.51.100.7"
    assert resolve("198.51.100.7", "", PROXY) == "198.51.100.7"


def test_a_client_cannot_choose_its_address_through_a_proxy():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real peer.
    assert resolve("10.0.0.2", "1.2.3.4, 203.0.113.9", PROXY) == "203.0.113.9"


def test_chains_of_trusted_proxies_are_walked_from_the_right():
    assert resolve("10.0.0.2", "203.0.113.9, 10.0.0.5", PROXY) == "203.0.113.9"
    assert resolve("10.0.0.2", "10.0.0.9, 10.0.0.5", PROXY) == "10.0.0.9"


def test_garbage_in_the_header_gives_the_last_proxy_not_the_garbage():
    assert resolve("10.0.0.2", "203.0.113.9, not-an-ip", PROXY) == "10.0.0.2"


@pytest.mark.parametrize("peer", ["", "garbage"])
def test_an_unknown_peer_is_one_shared_address(peer):
    assert resolve(peer, "203.0.113.9", PROXY) == UNKNOWN


def test_the_setting_is_parsed_strictly(tmp_path):
    env = {"IEP_DATA_DIR": str(tmp_path), "IEP_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16, ::1"}
    assert [str(n) for n in load_settings(env).trusted_proxies] == [
        "10.0.0.1/32",
        "192.168.0.0/16",
        "::1/128",
    ]
    with pytest.raises(SettingsError, match="IEP_TRUSTED_PROXIES"):
        load_settings({**env, "IEP_TRUSTED_PROXIES": "10.0.0.1, proxy.example"})
