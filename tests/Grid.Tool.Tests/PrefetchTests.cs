using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

/// <summary>
/// How many attempts the head lets a worker hold: slots plus a prefetch that, by default, grows when tasks are short
/// (so a worker of short tasks is sent many per write) and stays at max(2 × slots, 16) when they are not.
/// </summary>
public sealed class PrefetchTests
{
    [Theory]
    [InlineData(5, null, 18, 258)]
    [InlineData(50_000, null, 18, 18)]
    [InlineData(5, 4, 6, 6)]
    public async Task AWorkerHoldsItsSlotsPlusAPrefetchThatFollowsTheRunsTaskTime(int runMicroseconds, int? prefetch, int heldBefore, int heldAfter)
    {
        using var run = new ToolRun();
        var folder = new RunFolder(run.Directory, "prefetch");
        var held = new List<int>();
        using var recorder = new RunRecorder(folder, _ => { });
        var launcher = new FakeLauncher(async (fake, ct) =>
        {
            await fake.HelloAsync(slots: 2);
            await fake.ReceiveAsync<Welcome>(ct);

            // What the head sends before it falls quiet is what it lets the worker hold: first before any task time
            // is known, then once the first results have told it.
            for (int round = 0; round < 2; round++)
            {
                var tasks = await HoldUntilQuietAsync(fake, ct);
                held.Add(tasks.Count);
                foreach (var task in tasks)
                {
                    await AnswerAsync(fake, task, runMicroseconds);
                }
            }

            while (true)
            {
                var message = await fake.Reader.ReadOneAsync(ct);
                switch (message)
                {
                    case TaskMessage task:
                        await AnswerAsync(fake, task, runMicroseconds);
                        break;
                    case Shutdown or null:
                        return;
                }
            }
        });

        int count = 600;
        var ids = Enumerable.Range(0, count).Select(i => $"t{i}").ToArray();
        var inputs = ids.Select(_ => (ReadOnlyMemory<byte>)"{}"u8.ToArray()).ToArray();
        var options = new SchedulerOptions { RunId = "prefetch", Workers = 1, Prefetch = prefetch, HeartbeatInterval = TimeSpan.FromMilliseconds(300) };
        var statistics = await new Scheduler(new InMemoryTaskList("test", ids, inputs), launcher, recorder, options).RunAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(count, statistics.Succeeded);
        Assert.Equal(heldBefore, held[0]);
        Assert.Equal(heldAfter, options.CapacityFor(2, runMicroseconds));
        if (heldAfter > heldBefore)
        {
            // Grown on a tick: topped up to the new capacity at once.
            Assert.Equal(heldAfter, held[1]);
        }
        else
        {
            // Topped up as results came in, at its low-water mark (slots plus half the prefetch), never past its capacity.
            Assert.InRange(held[1], 2 + ((heldAfter - 2) / 2), heldAfter);
        }
    }

    [Fact]
    public void TheDefaultPrefetchCoversItsHorizonPerSlotBetweenItsFloorAndCap()
    {
        var options = new SchedulerOptions { RunId = "r", Workers = 2 };
        Assert.Equal(2 + 16, options.CapacityFor(2));
        Assert.Equal(2 + 16, options.CapacityFor(2, 10_000));
        Assert.Equal(2 + 40, options.CapacityFor(2, 500));
        Assert.Equal(2 + SchedulerOptions.MaxAutoPrefetch, options.CapacityFor(2, 0));
        Assert.Equal(64 + 128, options.CapacityFor(64, 1_000_000));
        Assert.Equal(64 + SchedulerOptions.MaxAutoPrefetch, options.CapacityFor(64, 1_000));
        Assert.Equal(2 + 3, (options with { Prefetch = 3 }).CapacityFor(2, 1));

        // A thousand workers share the fleet's budget: 65 each beyond their slots, not 256.
        var fleet = options with { Workers = 1000 };
        Assert.Equal(2 + (SchedulerOptions.FleetPrefetchBudget / 1000), fleet.CapacityFor(2, 1));
        Assert.Equal(2 + 16, fleet.CapacityFor(2, 10_000));
    }

    /// <summary>
    /// Takes Task frames until the head has been quiet for two heartbeats in a row: no Task between them means the
    /// head saw this worker's state on several ticks and sent nothing more. (One heartbeat alone is not enough: a
    /// stall, such as the first result's JIT in a cold test process, can put one just before a tick's top-up.)
    /// </summary>
    private static async Task<List<TaskMessage>> HoldUntilQuietAsync(FakeWorker fake, CancellationToken ct)
    {
        var tasks = new List<TaskMessage>();
        int quietHeartbeats = 0;
        while (quietHeartbeats < 2)
        {
            switch (await fake.Reader.ReadOneAsync(ct))
            {
                case TaskMessage task:
                    tasks.Add(task);
                    quietHeartbeats = 0;
                    break;
                case Heartbeat:
                    quietHeartbeats++;
                    break;
                case null:
                    throw new EndOfStreamException("the head closed the stream");
            }
        }

        return tasks;
    }

    private static async Task AnswerAsync(FakeWorker fake, TaskMessage task, int runMicroseconds)
    {
        await fake.SendAsync(new Started(task.Key, task.Attempt));
        await fake.SendAsync(new Result(task.Key, task.Attempt, Outcome.Succeeded, (ulong)runMicroseconds, Encoding.UTF8.GetBytes("{}")));
    }

    /// <summary>Every worker a scripted fake.</summary>
    private sealed class FakeLauncher(Func<FakeWorker, CancellationToken, Task> script) : IWorkerLauncher
    {
        public string Describe(int workers) => "scripted fakes";

        public Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken) =>
            Task.FromResult<IWorkerHandle>(new FakeWorker(script));
    }
}
