using System.Diagnostics.Metrics;

namespace Gpt2Kit.Server.Hosting;

/// <summary>The server's instruments (meter <see cref="MeterName"/>), exported as Prometheus text on <c>/metrics</c>:
/// requests running and waiting, tokens generated, time to first token, queue time and rows per batched step.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Gpt2Kit.Server";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<int> _batchRows;

    public ServerMetrics(RequestGate gate)
    {
        _meter.CreateObservableGauge("gpt2kit.requests.running", () => gate.Running, "{request}", "Requests generating now.");
        _meter.CreateObservableGauge("gpt2kit.requests.waiting", () => gate.Waiting, "{request}", "Requests waiting for a slot.");
        _tokens = _meter.CreateCounter<long>("gpt2kit.tokens.generated", "{token}", "Tokens generated, over every choice.");
        _requests = _meter.CreateCounter<long>("gpt2kit.requests", "{request}", "Finished requests by HTTP status.");
        _timeToFirstToken = _meter.CreateHistogram<double>("gpt2kit.time_to_first_token", "s", "From arrival to the first generated token.");
        _queueTime = _meter.CreateHistogram<double>("gpt2kit.queue.time", "s", "Time a request waited for a slot.");
        _batchRows = _meter.CreateHistogram<int>("gpt2kit.batch.rows", "{row}", "Rows computed per batched decoding step.");
    }

    public void Tokens(int count) => _tokens.Add(count);

    public void Request(int status) => _requests.Add(1, new KeyValuePair<string, object?>("status", status));

    public void TimeToFirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalSeconds);

    public void QueueTime(TimeSpan elapsed) => _queueTime.Record(elapsed.TotalSeconds);

    public void BatchRows(int rows) => _batchRows.Record(rows);

    public void Dispose() => _meter.Dispose();
}
