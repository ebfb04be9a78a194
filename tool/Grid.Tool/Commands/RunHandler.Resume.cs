using Grid.Tool.Build;
using Grid.Tool.Diagnostics;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Commands;

/// <summary>--resume: continue a run whose head died or was stopped, from what its journal committed.</summary>
public sealed partial class RunHandler
{
    private Plan PlanResume(RunOptions options, string runId)
    {
        if (!RunIdPattern().IsMatch(runId))
        {
            throw new GridException(ErrorCodes.BadRunId, $"--resume '{runId}' is not a valid run id.");
        }

        var folder = new RunFolder(options.WorkingDirectory, runId);
        if (!File.Exists(folder.RunJson))
        {
            throw new GridException(ErrorCodes.RunNotFound, $"there is no run '{runId}' here ({folder.RunJson} does not exist). `dotnet grid runs` lists the runs in this folder.");
        }

        var headLock = HeadLock.Acquire(folder);
        try
        {
            var record = RunRecord.Read(folder.RunJson);

            // The run keeps its own settings; only how many workers to use may change.
            var resumed = options with
            {
                Project = record.Project,
                TasksFile = record.TasksKind == "file" ? record.Tasks : null,
                InputsGlob = record.TasksKind == "glob" ? record.Tasks : null,
                Workers = options.WorkersGiven ? options.Workers : record.Workers,
                Slots = options.Slots ?? record.SlotsPerWorker,
                MaxAttempts = record.MaxAttempts,
                Timeout = record.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                CancelGrace = TimeSpan.FromSeconds(record.CancelGraceSeconds),
                Prefetch = record.Prefetch,
                Configuration = record.Configuration,
                WorkingDirectory = record.WorkingDirectory,
                Container = record.Backend == "container",
                Manifest = record.Backend is "container" or "aws-ec2" or "aws-batch" ? record.Manifest : null,
            };
            if (record.Backend.StartsWith("aws-", StringComparison.Ordinal))
            {
                // A cloud run resumes where it ran: same region, backend and address, so its workers can redial.
                var cloud = File.Exists(folder.CloudJson) ? Cloud.CloudRecord.Read(folder.CloudJson) : null;
                resumed = resumed with
                {
                    Target = "aws",
                    WorkersGiven = true,
                    Cloud = options.Cloud with
                    {
                        Region = cloud?.Region ?? options.Cloud.Region,
                        Backend = record.Backend == "aws-batch" ? Cloud.CloudBackend.Batch : Cloud.CloudBackend.Ec2,
                        Advertise = cloud?.Advertise ?? options.Cloud.Advertise,
                    },
                };
            }
            Validate(resumed);
            var tasks = LoadTasks(resumed);
            string fingerprint = RunJournal.Fingerprint(tasks);
            if (fingerprint != record.TasksFingerprint)
            {
                throw new GridException(ErrorCodes.TasksChanged, $"the tasks of run '{runId}' ({record.Tasks}) changed since it started; resuming would mix results of different tasks. Start a new run instead.");
            }

            string project = JobProject.Resolve(record.Project, record.WorkingDirectory);
            var now = _context.Time.GetUtcNow();
            return new Plan(resumed, tasks, folder, project, headLock, (assembly, slots) => record with
            {
                Assembly = assembly,
                Workers = resumed.Workers,
                SlotsPerWorker = slots,
                HeadProcessId = Environment.ProcessId,
                ResumedAt = [.. record.ResumedAt, now],
            }, record.Assembly);
        }
        catch
        {
            headLock.Dispose();
            throw;
        }
    }
}
