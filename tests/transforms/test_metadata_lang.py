import pytest

from transforms.metadata.lang import detect_lang


@pytest.mark.parametrize(
    "text, code",
    [
        ("中国人工智能初创企业深度求索的大模型一经发布，震动全行业，甚至连一众硅谷科技巨头也纷纷加入这股热潮。", "zh"),
        ("OpenAI首席执行官奥特曼（Sam Altman）再次赞赏中国AI初创公司深度求索（DeepSeek）在创建聊天机器人方面工作出色。", "zh"),
        ("今天天氣很好，我們去公園散步，順便看看新開的書店。", "zh"),
        ("The central bank kept interest rates unchanged on Tuesday, citing steady growth and low inflation.", "en"),
        ("Die Zentralbank hat die Zinsen am Dienstag unverändert gelassen und verwies auf stabiles Wachstum.", "de"),
        ("La banque centrale a maintenu ses taux inchangés mardi, invoquant une croissance stable.", "fr"),
        ("これは日本語の文章です。今日はいい天気ですね。", "ja"),
        ("중앙은행은 화요일 금리를 동결했다고 밝혔습니다.", "ko"),
    ],
)
def test_detects(text, code):
    assert detect_lang(text) == code


@pytest.mark.parametrize("text", ["", "   ", "短", "OK", "12345 67890 !!! ???", None, "https://example.com/a/b/c/d/e"])
def test_too_little_text(text):
    assert detect_lang(text) is None
