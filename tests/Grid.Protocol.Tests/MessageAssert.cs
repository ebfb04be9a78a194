using Grid.Protocol.Messages;

namespace Grid.Protocol.Tests;

/// <summary>Compares messages field by field; byte tails are compared by content, not by reference.</summary>
internal static class MessageAssert
{
    public static void Same(IMessage expected, IMessage actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        switch (expected)
        {
            case Hello e:
                var hello = Assert.IsType<Hello>(actual);
                Assert.Equal(e.MinVersion, hello.MinVersion);
                Assert.Equal(e.MaxVersion, hello.MaxVersion);
                Assert.Equal(e.Slots, hello.Slots);
                Assert.Equal(e.ProcessId, hello.ProcessId);
                Assert.Equal(e.WorkerName, hello.WorkerName);
                Assert.Equal(e.Runtime, hello.Runtime);
                Assert.Equal(e.Token, hello.Token);
                break;
            case Welcome e:
                var welcome = Assert.IsType<Welcome>(actual);
                Assert.Equal(e.Version, welcome.Version);
                Assert.Equal(e.HeartbeatMilliseconds, welcome.HeartbeatMilliseconds);
                Assert.Equal(e.LeaseMilliseconds, welcome.LeaseMilliseconds);
                Assert.Equal(e.RunId, welcome.RunId);
                Assert.Equal(e.WorkerId, welcome.WorkerId);
                break;
            case TaskMessage e:
                var task = Assert.IsType<TaskMessage>(actual);
                Assert.Equal(e.Key, task.Key);
                Assert.Equal(e.Attempt, task.Attempt);
                Assert.Equal(e.TimeoutMilliseconds, task.TimeoutMilliseconds);
                Assert.Equal(e.TaskId, task.TaskId);
                SameBytes(e.Input, task.Input, "Task input");
                break;
            case Cancel e:
                var cancel = Assert.IsType<Cancel>(actual);
                Assert.Equal(e.Key, cancel.Key);
                Assert.Equal(e.Attempt, cancel.Attempt);
                Assert.Equal(e.Reason, cancel.Reason);
                break;
            case Started e:
                var started = Assert.IsType<Started>(actual);
                Assert.Equal(e.Key, started.Key);
                Assert.Equal(e.Attempt, started.Attempt);
                break;
            case Result e:
                var result = Assert.IsType<Result>(actual);
                Assert.Equal(e.Key, result.Key);
                Assert.Equal(e.Attempt, result.Attempt);
                Assert.Equal(e.Outcome, result.Outcome);
                Assert.Equal(e.RunMicroseconds, result.RunMicroseconds);
                SameBytes(e.Body, result.Body, "Result body");
                break;
            case Ack e:
                var ack = Assert.IsType<Ack>(actual);
                Assert.Equal(e.Results, ack.Results);
                break;
            case Log e:
                var log = Assert.IsType<Log>(actual);
                Assert.Equal(e.Key, log.Key);
                Assert.Equal(e.Attempt, log.Attempt);
                Assert.Equal(e.Source, log.Source);
                SameBytes(e.Text, log.Text, "Log text");
                break;
            case Heartbeat:
                Assert.IsType<Heartbeat>(actual);
                break;
            case Drain e:
                var drain = Assert.IsType<Drain>(actual);
                Assert.Equal(e.DeadlineMilliseconds, drain.DeadlineMilliseconds);
                Assert.Equal(e.Reason, drain.Reason);
                break;
            case Shutdown:
                Assert.IsType<Shutdown>(actual);
                break;
            case Goodbye e:
                var goodbye = Assert.IsType<Goodbye>(actual);
                Assert.Equal(e.Code, goodbye.Code);
                Assert.Equal(e.Message, goodbye.Message);
                break;
            default:
                Assert.Fail($"no field comparison for {expected.GetType().Name}; add one with the new message kind.");
                break;
        }
    }

    public static void SameSequence(IReadOnlyList<IMessage> expected, IReadOnlyList<IMessage> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Same(expected[i], actual[i]);
        }
    }

    private static void SameBytes(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = expected.Span;
        var a = actual.Span;
        if (!e.SequenceEqual(a))
        {
            int at = e.CommonPrefixLength(a);
            Assert.Fail($"{what} differs at byte {at} of {e.Length}: expected 0x{e[at]:X2}, got 0x{a[at]:X2}.");
        }
    }
}
