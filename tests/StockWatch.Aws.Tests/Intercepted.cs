using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace StockWatch.Aws.Tests;

/// <summary>
/// An SDK client whose calls are shown to a hook first (the request), which may keep the call from ever answering, as
/// the calls of a process that was killed.
/// </summary>
public class Intercepted<T> : DispatchProxy
    where T : class
{
    private T _inner = null!;
    private Func<object?, bool> _hook = null!;

    /// <param name="hook">Given each asynchronous call's first argument (the request); true: the call never answers.</param>
    public static T Around(T inner, Func<object?, bool> hook)
    {
        var proxy = Create<T, Intercepted<T>>();
        var intercepted = (Intercepted<T>)(object)proxy;
        intercepted._inner = inner;
        intercepted._hook = hook;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (typeof(Task).IsAssignableFrom(method!.ReturnType) && _hook(args is [var first, ..] ? first : null))
        {
            return method.ReturnType.IsGenericType
                ? typeof(TaskCompletionSource<>).MakeGenericType(method.ReturnType.GetGenericArguments()[0]) is var source
                    ? source.GetProperty(nameof(TaskCompletionSource.Task))!.GetValue(Activator.CreateInstance(source))
                    : throw new UnreachableException()
                : new TaskCompletionSource().Task;
        }

        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
