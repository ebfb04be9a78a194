using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

/// <summary>
/// The head's side of protocol fuzzing: workers that handshake properly and then send generated frames —
/// plausible messages with random fields, mutated frames, raw bytes — while real workers do the run. The head
/// must never crash or hang, must drop each broken worker, and must still commit every task exactly once.
/// </summary>
public sealed class HeadFuzzTests
{
    /// <summary>100,000 in CI; eng/fuzz.sh scales it with GRID_FUZZ_SCALE.</summary>
    private static readonly long TargetFrames = 100_000L * (int.TryParse(Environment.GetEnvironmentVariable("GRID_FUZZ_SCALE"), out int scale) && scale > 0 ? scale : 1);
    private const int FramesPerWorker = 500;
    private const int TaskCount = 2000;

    [Fact]
    public async Task HeadSurvivesAHundredThousandGeneratedFramesAndCommitsEveryTaskOnce()
    {
        using var run = new ToolRun();
        var folder = new RunFolder(run.Directory, "fuzz");
        using var recorder = new RunRecorder(folder, _ => { });
        var real = ToolRun.Workers(TestJob.Assembly, new Commands.RecorderHandle(recorder));
        var launcher = new FuzzingLauncher(real, seed: 424242 + (int.TryParse(Environment.GetEnvironmentVariable("GRID_FUZZ_SEED"), out int offset) ? offset : 0));
        const int Count = TaskCount;
        var ids = Enumerable.Range(0, Count).Select(i => $"t{i}").ToArray();
        var inputs = ids.Select(id => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}")).ToArray();
        var options = new SchedulerOptions { RunId = "fuzz", Workers = 3, MaxAttempts = 100, PoisonThreshold = 100, MaxConsecutiveStartFailures = 1000 };

        var statistics = await new Scheduler(new InMemoryTaskList("fuzz", ids, inputs), launcher, recorder, options).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(3 * Math.Max(1, TargetFrames / 100_000)));
        recorder.Flush();

        Assert.True(launcher.FramesSent >= TargetFrames, $"{launcher.FramesSent} frames sent");
        Assert.Equal(Count, statistics.Completed);
        var results = ResultLine.ReadAll(folder.Results);
        Assert.Equal(Count, results.Count);
        Assert.Equal(Count, results.Select(r => r.Id).Distinct().Count());
        Assert.True(statistics.WorkerEnds.GetValueOrDefault(WorkerEnds.ProtocolError) > 100, $"protocol errors: {statistics.WorkerEnds.GetValueOrDefault(WorkerEnds.ProtocolError)}");
    }

    /// <summary>Launches fuzzing fakes until <see cref="TargetFrames"/> frames have gone to the head, then real workers.</summary>
    private sealed class FuzzingLauncher(IWorkerLauncher real, int seed) : IWorkerLauncher
    {
        private readonly Random _random = new(seed);
        private long _framesSent;

        public long FramesSent => Interlocked.Read(ref _framesSent);

        public string Describe(int workers) => "fuzzing fakes and real workers";

        public Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
        {
            if (FramesSent < TargetFrames)
            {
                int seed;
                lock (_random)
                {
                    seed = _random.Next();
                }

                return Task.FromResult<IWorkerHandle>(new FakeWorker((fake, ct) => FuzzAsync(fake, new Random(seed), ct)));
            }

            return real.LaunchAsync(workerId, cancellationToken);
        }

        private async Task FuzzAsync(FakeWorker fake, Random random, CancellationToken cancellationToken)
        {
            await fake.HelloAsync(slots: (ushort)random.Next(1, 8));
            await fake.ReceiveAsync<Welcome>(cancellationToken);
            var received = new List<TaskMessage>();
            _ = DrainAsync(fake, received, cancellationToken);
            for (int i = 0; i < FramesPerWorker && !cancellationToken.IsCancellationRequested; i++)
            {
                TaskMessage? held;
                lock (received)
                {
                    held = received.Count > 0 ? received[random.Next(received.Count)] : null;
                }

                try
                {
                    await fake.SendRawAsync(Frame(random, held));
                }
                catch (Exception e) when (e is InvalidOperationException or IOException)
                {
                    break;
                }

                Interlocked.Increment(ref _framesSent);
            }
        }

        private static async Task DrainAsync(FakeWorker fake, List<TaskMessage> received, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    var task = await fake.ReceiveAsync<TaskMessage>(cancellationToken);
                    lock (received)
                    {
                        received.Add(task);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or ProtocolException or InvalidOperationException)
            {
            }
        }

        /// <summary>One generated frame: mostly plausible messages about real or made-up tasks, some mutated, some noise.</summary>
        private static byte[] Frame(Random random, TaskMessage? held)
        {
            ulong key = held is not null && random.Next(2) == 0 ? held.Key : (ulong)random.NextInt64(random.Next(50) == 0 ? 0 : 1, TaskCount + 1);
            uint attempt = held is not null && random.Next(2) == 0 ? held.Attempt : (uint)random.Next(0, 4);
            IMessage message = random.Next(9) switch
            {
                0 => new Started(key, attempt),
                1 => new Result(key, attempt, (Outcome)random.Next(0, 3), (ulong)random.Next(), Bytes(random, random.Next(0, 64))),
                2 => new Log(key, attempt, (LogSource)random.Next(1, 4), Bytes(random, random.Next(0, 200))),
                3 => Heartbeat.Instance,
                4 when random.Next(20) == 0 => new Drain((uint)random.Next(), "fuzz"),
                5 => new Goodbye("GRID6004", "fuzz"),
                6 when random.Next(20) == 0 => new Hello(1, 1, 1, 1, "again", "fuzz", ""),
                7 when random.Next(20) == 0 => new Cancel(key, attempt, CancelReason.Timeout),
                8 => new Result(key, attempt, Outcome.Succeeded, 1, Encoding.UTF8.GetBytes("{\"fuzz\":true}")),
                _ => Heartbeat.Instance,
            };
            byte[] frame = FrameWriter.ToArray(message);
            switch (random.Next(60))
            {
                case 0:
                    frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    return Bytes(random, random.Next(1, 64));
                case 2:
                    frame[4] = (byte)random.Next(256);
                    break;
            }

            return frame;
        }

        private static byte[] Bytes(Random random, int length)
        {
            byte[] bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }
    }
}
