using System.Buffers;
using System.IO.Pipelines;

namespace Grid.Protocol.Tests;

/// <summary>What a receiver made of some bytes: how many messages it decoded, then how it stopped.</summary>
/// <param name="Messages">Messages decoded before the end or the error.</param>
/// <param name="Code">The GRID6xxx code it stopped with; null when it decoded everything or needs more bytes.</param>
/// <param name="Leftover">Bytes of an incomplete frame left at the end (zero after an error).</param>
internal readonly record struct DecodeOutcome(int Messages, string? Code, long Leftover)
{
    /// <summary>What a reader over a completed stream must report for the same bytes.</summary>
    public DecodeOutcome AtEndOfStream => Code is null && Leftover > 0 ? this with { Code = ProtocolErrors.Truncated, Leftover = 0 } : this;
}

/// <summary>
/// Feeds untrusted bytes to the decoder and to the frame reader. The only exception a receiver may ever see is a
/// <see cref="ProtocolException"/> with a code of the framing layer; anything else fails the test with the input
/// that caused it, in hex, so the case can be replayed.
/// </summary>
internal static class DecoderProbe
{
    private static readonly HashSet<string> FramingCodes =
        [ProtocolErrors.Oversize, ProtocolErrors.UnknownKind, ProtocolErrors.Truncated, ProtocolErrors.Malformed];

    /// <summary>TryReadFrame + Decode until the bytes run out or a frame breaks the protocol.</summary>
    public static DecodeOutcome Decode(byte[] input, Random? splitter = null)
    {
        var buffer = splitter is null ? new ReadOnlySequence<byte>(input) : Frames.Split(input, splitter);
        int messages = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (FrameDecoder.TryReadFrame(ref buffer, out var kind, out var payload))
            {
                FrameDecoder.Decode(kind, payload);
                messages++;

                // Every frame takes at least a header off the input, so this loop ends; the check keeps it honest.
                Assert.True(messages * Protocol.HeaderBytes <= input.Length, "the decoder returned more frames than the input can hold.");
            }

            return new DecodeOutcome(messages, null, buffer.Length);
        }
        catch (ProtocolException error)
        {
            Check(error, input);
            return new DecodeOutcome(messages, error.Code, 0);
        }
        catch (Exception error) when (error is not Xunit.Sdk.XunitException)
        {
            throw Unexpected(error, input, "FrameDecoder");
        }
        finally
        {
            // Memory follows the bytes received, never a length a peer claims: strings, tails and one error.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= 64 * 1024 + 8L * input.Length,
                $"decoding {input.Length} bytes allocated {allocated} bytes: {Convert.ToHexString(input)}");
        }
    }

    /// <summary>The same bytes written into a pipe in random chunks and read by a <see cref="FrameReader"/>.</summary>
    public static async Task<DecodeOutcome> ReadThroughPipeAsync(byte[] input, Random random, bool inBatches)
    {
        var pipe = new Pipe();
        var writing = Task.Run(() => Frames.WriteAsync(pipe.Writer, Frames.Chunks(input, random)));
        var reader = new FrameReader(pipe.Reader);
        var messages = new List<IMessage>();
        DecodeOutcome outcome;
        try
        {
            await (inBatches ? Frames.ReadAllInBatchesAsync(reader, messages) : Frames.ReadAllOneByOneAsync(reader, messages));
            outcome = new DecodeOutcome(messages.Count, null, 0);
        }
        catch (ProtocolException error)
        {
            Check(error, input);
            outcome = new DecodeOutcome(messages.Count, error.Code, 0);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"FrameReader hung on {Convert.ToHexString(input)}");
        }
        catch (Exception error) when (error is not Xunit.Sdk.XunitException)
        {
            throw Unexpected(error, input, "FrameReader");
        }

        // The reader stops at an error without draining the pipe; completing it releases the writer.
        await reader.CompleteAsync();
        await writing.WaitAsync(Frames.ReadBound);
        return outcome;
    }

    private static void Check(ProtocolException error, byte[] input)
    {
        if (!FramingCodes.Contains(error.Code))
        {
            throw new InvalidOperationException($"unexpected code {error.Code} for {Convert.ToHexString(input)}", error);
        }
    }

    private static InvalidOperationException Unexpected(Exception error, byte[] input, string where) =>
        new($"{where} threw {error.GetType().Name} (only ProtocolException is allowed) for {Convert.ToHexString(input)}", error);
}
