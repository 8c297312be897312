import pytest

from screening.downloads import ascii_fallback_name, content_disposition

pytestmark = pytest.mark.once


@pytest.mark.parametrize(
    ("name", "ascii_name", "encoded"),
    [
        ("id.jpg", "id.jpg", "id.jpg"),
        ("身分証.jpg", "file.jpg", "%E8%BA%AB%E5%88%86%E8%A8%BC.jpg"),
        ("Élodie ID.pdf", "Elodie ID.pdf", "%C3%89lodie%20ID.pdf"),
        ('say "hi";.pdf', "say _hi_;.pdf", "say%20_hi_%3B.pdf"),
        ("", "file.jpg", "file.jpg"),
    ],
)
def test_content_disposition(name, ascii_name, encoded):
    assert content_disposition(name, ".jpg") == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
    )


def test_fallback_keeps_a_stem_and_extension():
    assert ascii_fallback_name("..pdf", ".pdf") == "file.pdf"
    assert ascii_fallback_name("日本.ｐｄｆ", ".pdf") == "file.pdf"
