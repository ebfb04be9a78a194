using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Grid.Protocol;
using Grid.Tool.Backends;
using Grid.Protocol.Messages;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Bench.Cloud;

/// <summary>
/// <c>cloud-workers</c>: many remote workers in one process, each a TLS connection to the head that speaks the
/// protocol as a worker does: Hello (with the run's token), then for every Task a Started and a Result at once,
/// all frames answering one read sent in one write. It runs no handlers, so what the head does is all that is
/// measured. It pins the head's certificate as a worker does (<c>--grid-pin</c>) and exits when every connection has ended.
/// </summary>
internal static class WorkerSimulator
{
    /// <summary>Handshakes in progress at once: enough to connect a thousand workers in well under a second.</summary>
    private const int ConnectConcurrency = 64;

    private static readonly byte[] Body = "{}"u8.ToArray();

    public static async Task<int> RunAsync(BenchArgs args)
    {
        int port = args.Int("port", 0);
        int workers = args.Int("workers", 1000);
        ushort slots = (ushort)args.Int("slots", 2);
        string pin = args.String("pin");
        string token = args.String("token");

        using var gate = new SemaphoreSlim(ConnectConcurrency);
        var connections = Enumerable.Range(0, workers).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            SslStream tls;
            try
            {
                tls = await ConnectAsync(port, pin).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }

            return await ServeAsync(tls, i, slots, token).ConfigureAwait(false);
        }).ToArray();

        long[] answered = await Task.WhenAll(connections).ConfigureAwait(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await Console.Error.WriteLineAsync($"cloud-workers: {workers} connections answered {answered.Sum():N0} tasks; simulator CPU {cpu.TotalSeconds:0.00} s").ConfigureAwait(false);
        return 0;
    }

    private static async Task<SslStream> ConnectAsync(int port, string pin)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = RunCredentials.SubjectName,
            EnabledSslProtocols = SslProtocols.Tls13,
            // Pinned: the head's certificate is self-signed, and this is the one it was given.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && RunCredentials.PinOf(certificate) == pin,
        }).ConfigureAwait(false);
        return tls;
    }

    /// <summary>One worker's conversation; returns the tasks it answered.</summary>
    private static async Task<long> ServeAsync(SslStream tls, int index, ushort slots, string token)
    {
        await using var _ = tls.ConfigureAwait(false);
        var hello = new Hello(ProtocolLimits.Version, ProtocolLimits.Version, slots, (uint)Environment.ProcessId, $"sim-{index}", "bench/simulator", token);
        await tls.WriteAsync(FrameWriter.ToArray(hello)).ConfigureAwait(false);

        var input = new byte[64 * 1024];
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        int filled = 0;
        long answered = 0;
        while (true)
        {
            int read;
            try
            {
                read = await tls.ReadAsync(input.AsMemory(filled)).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return answered;
            }

            if (read == 0)
            {
                return answered;
            }

            filled += read;
            int position = 0;
            bool shutdown = false;
            while (filled - position >= ProtocolLimits.HeaderBytes)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(position));
                if (filled - position < ProtocolLimits.HeaderBytes + length)
                {
                    if (ProtocolLimits.HeaderBytes + length > input.Length)
                    {
                        Array.Resize(ref input, ProtocolLimits.HeaderBytes + length);
                    }

                    break;
                }

                var kind = (FrameKind)input[position + 4];
                var payload = input.AsSpan(position + ProtocolLimits.HeaderBytes, length);
                switch (kind)
                {
                    case FrameKind.Task:
                        Answer(output, BinaryPrimitives.ReadUInt64LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
                        answered++;
                        break;
                    case FrameKind.Shutdown:
                        shutdown = true;
                        break;
                    case FrameKind.Goodbye:
                        var goodbye = Goodbye.Read(payload);
                        throw new InvalidOperationException($"the head said goodbye: {goodbye.Code}: {goodbye.Message}");
                }

                position += ProtocolLimits.HeaderBytes + length;
            }

            input.AsSpan(position, filled - position).CopyTo(input);
            filled -= position;
            if (output.WrittenCount > 0)
            {
                await tls.WriteAsync(output.WrittenMemory).ConfigureAwait(false);
                output.ResetWrittenCount();
            }

            if (shutdown)
            {
                // Every task held was answered in this same write: a worker with nothing left exits.
                return answered;
            }
        }
    }

    /// <summary>Started(key, attempt) and Result(key, attempt, Succeeded, 0 µs, "{}").</summary>
    private static void Answer(ArrayBufferWriter<byte> output, ulong key, uint attempt)
    {
        const int StartedBytes = ProtocolLimits.HeaderBytes + 12;
        const int ResultFields = 8 + 4 + 1 + 8;
        var span = output.GetSpan(StartedBytes + ProtocolLimits.HeaderBytes + ResultFields + 2);
        BinaryPrimitives.WriteUInt32LittleEndian(span, 12);
        span[4] = (byte)FrameKind.Started;
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], key);
        BinaryPrimitives.WriteUInt32LittleEndian(span[13..], attempt);
        var result = span[StartedBytes..];
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)(ResultFields + Body.Length));
        result[4] = (byte)FrameKind.Result;
        BinaryPrimitives.WriteUInt64LittleEndian(result[5..], key);
        BinaryPrimitives.WriteUInt32LittleEndian(result[13..], attempt);
        result[17] = (byte)Outcome.Succeeded;
        BinaryPrimitives.WriteUInt64LittleEndian(result[18..], 0);
        Body.CopyTo(result[26..]);
        output.Advance(StartedBytes + ProtocolLimits.HeaderBytes + ResultFields + Body.Length);
    }
}
