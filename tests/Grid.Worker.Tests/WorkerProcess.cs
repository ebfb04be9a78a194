using System.Diagnostics;
using System.Reflection;
using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

/// <summary>Grid.TestJob started as a real worker process, with the test as its head over stdin/stdout.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly FrameReader _reader;
    private readonly StringBuilder _stderr = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _reader = new FrameReader(process.StandardOutput.BaseStream);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    public static string JobPath { get; } = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "GridTestJobPath").Value!;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static WorkerProcess Start(params string[] args)
    {
        Assert.True(File.Exists(JobPath), $"{JobPath} is missing; build tests/jobs/Grid.TestJob.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(JobPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new WorkerProcess(Process.Start(start)!);
    }

    public async Task SendAsync(params IMessage[] messages)
    {
        foreach (var message in messages)
        {
            await _stdin.WriteAsync(FrameWriter.ToArray(message));
        }

        await _stdin.FlushAsync();
    }

    public Task CloseInputAsync()
    {
        _process.StandardInput.Close();
        return Task.CompletedTask;
    }

    public async Task<IMessage?> ReceiveAsync()
    {
        while (true)
        {
            var message = await _reader.ReadOneAsync().AsTask().WaitAsync(FakeHead.ReceiveTimeout);
            if (message is not Heartbeat)
            {
                return message;
            }
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(FakeHead.ReceiveTimeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // Every process a test starts is ended and reaped here, whatever the test did.
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
