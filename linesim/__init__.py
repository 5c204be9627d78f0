"""A fake LINE Messaging API platform served over real HTTP on 127.0.0.1, for tests and local runs.

fake = FakeLinePlatform(channel_secret="s", access_token="t", webhook_url="http://127.0.0.1:5000/callback")
base_url = fake.start()          # point linebot.v3 Configuration(host=base_url) at it
fake.send_text("U1...", "สวัสดี")  # signed webhook to the bot
fake.messages_to("U1...")        # what the bot sent that user

It also keeps rich menus as LINE does (`/v2/bot/richmenu...`, see richmenus.py) and serves the chat
simulator page on `/` (chat_page.html/.js/.css, flex_render.js; simulator.py serves what the page reads).
"""

from .fake_platform import FakeLinePlatform
from .personas import DEFAULT_PERSONAS, Persona
from .state import Delivery

__all__ = ["DEFAULT_PERSONAS", "Delivery", "FakeLinePlatform", "Persona"]
