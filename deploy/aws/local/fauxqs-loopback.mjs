// Starts fauxqs (S3, SQS, SNS) on 127.0.0.1: fauxqs always asks for 0.0.0.0, so every server this process opens is
// moved to the loopback interface before it listens. Port: FAUXQS_PORT (0 = a free one). Prints {"port": N} once
// listening.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    if (args[0] !== null && typeof args[0] === "object") {
        args[0] = { ...args[0], host: "127.0.0.1" };
    } else if (typeof args[0] === "number" || typeof args[0] === "string") {
        const callback = args.find((arg) => typeof arg === "function");
        args = callback ? [args[0], "127.0.0.1", callback] : [args[0], "127.0.0.1"];
    }
    return listen.apply(this, args);
};

const { startFauxqs } = await import("fauxqs");
const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT ?? 0), logger: false });
console.log(JSON.stringify({ port: server.port }));
