"""An SMTP server for the tests: keeps each message it receives as a file.

Usage: smtp_sink.py PORT FOLDER
Each message is written to FOLDER/<n>.eml (first to a temporary name, then renamed, so a reader never sees half a
message). Prints "listening" once it accepts connections. Python's standard smtpd (deprecated in 3.11, still there).
"""
import asyncore
import os
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import smtpd

port, folder = int(sys.argv[1]), sys.argv[2]
os.makedirs(folder, exist_ok=True)


class Sink(smtpd.SMTPServer):
    count = 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        Sink.count += 1
        path = os.path.join(folder, f"{Sink.count:05d}.eml")
        with open(path + ".tmp", "wb") as message:
            message.write(data)
        os.replace(path + ".tmp", path)


Sink(("127.0.0.1", port), None, decode_data=False)
print("listening", flush=True)
asyncore.loop()
