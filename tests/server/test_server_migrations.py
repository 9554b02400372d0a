"""The server's migrations form one line that ends at HEAD (branches merged in parallel each add one)."""

from app.server import migrations


def test_one_head_and_it_is_named():
    assert migrations.script_head() == migrations.HEAD
