import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.channels import demo
from hotline.channels.local_twilio import LocalTwilio


class Command(BaseCommand):
    help = (
        "The demo's stand-in for Twilio on 127.0.0.1:8011: it accepts the texts Hotline sends "
        "to the demo text line (Twilio's Messages API) and posts their status callbacks back, "
        "signed, as Twilio would. For the demo only: no message leaves this machine."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        channel = demo.channel()
        if channel is None:
            raise CommandError("There is no demo text line: run `manage.py sms_demo --setup`.")

        def told(message: dict[str, Any]) -> None:
            # The sid and the length only: what reached the "provider", not what it said.
            self.stdout.write(
                f"sms_gateway: accepted {message['sid']} ({len(message['body'])} characters); "
                "status callbacks follow",
            )

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            with LocalTwilio.running(
                channel.account,
                channel.secret(),
                port=demo.GATEWAY_PORT,
                callbacks=True,
                on_message=told,
            ):
                self.stdout.write(f"sms_gateway: the demo's Twilio stand-in at {demo.GATEWAY}")
                stop.wait()
        except OSError as error:
            raise CommandError(f"Port {demo.GATEWAY_PORT} cannot be used ({error}).") from None
        except KeyboardInterrupt:
            pass
