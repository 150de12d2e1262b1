// Preloaded into y-webrtc's signaling server for the benchmark (node --import): its
// bin/server.js calls server.listen(port) with no host, which binds every interface. The
// benchmark only ever talks to 127.0.0.1, so bind there, as every server in this repo does.
import net from 'node:net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if ((typeof args[0] === 'number' || typeof args[0] === 'string') && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}
