using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// A TCP relay between the browser and the API, so a test can cut the network under an open connection: Chromium's
/// offline emulation refuses new requests but leaves a streaming response that is already open untouched. While cut,
/// every open connection is reset and new ones are closed as soon as they are accepted. It can also stand for a reverse
/// proxy whose upstream is down, answering every request with the proxy's own HTML error page.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile bool _badGateway;

    public TcpRelay(string targetBaseAddress)
    {
        _target = new Uri(targetBaseAddress);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string BaseAddress => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Resets every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var client in _open.Keys)
        {
            Reset(client);
        }
    }

    /// <summary>
    /// Resets every open connection and answers each new request as a proxy does when the API behind it is down: a
    /// 502 with an HTML page, until <see cref="Restore"/>.
    /// </summary>
    public void AnswerBadGateway()
    {
        _badGateway = true;
        foreach (var client in _open.Keys)
        {
            Reset(client);
        }
    }

    public void Restore()
    {
        _cut = false;
        _badGateway = false;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_cut)
            {
                Reset(client);
                continue;
            }

            if (_badGateway)
            {
                _ = BadGatewayAsync(client);
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        _open[client] = 0;
        _open[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
            var b = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A cut connection or the relay stopping: both ends are closed below.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            Reset(client);
            Reset(upstream);
        }
    }

    private async Task BadGatewayAsync(TcpClient client)
    {
        const string Page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n";
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                // The request's head (the dashboard's calls here are GETs, without a body), then the proxy's answer.
                var seen = new List<byte>();
                var buffer = new byte[4096];
                while (!EndsWithBlankLine(seen))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    seen.AddRange(buffer.AsSpan(0, read));
                }

                var body = System.Text.Encoding.ASCII.GetBytes(Page);
                var head = System.Text.Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The browser or the relay gave up first.
        }
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';

    /// <summary>Closes with a TCP reset, as a network failure would, rather than an orderly end of stream.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            // A closed client has no socket left.
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            client.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
